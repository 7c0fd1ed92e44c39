import { type AuditLog, type AuditLogOptions, type AuditSink, createAuditLog } from './auditLog.js';

export interface AuditFiles {
  /** The writer of `path`, made on first use and reconfigured after that. */
  sink(settings: { path: string; maxBytes?: number; keep?: number }): AuditSink;
}

/**
 * One writer per audit file for the life of the process. A reload that changes the audit
 * settings must not start a second writer on the same file: two writers would each chain from
 * their own idea of the last line (verify would then report the file broken), and records the
 * old one still held (a full disk) could land after the new one's. The same writer is kept
 * and given the new rotation settings instead; a writer whose file is no longer configured
 * drains what it holds and then gets nothing more.
 */
export function createAuditFiles(common: Omit<AuditLogOptions, 'path' | 'maxBytes' | 'keep'>): AuditFiles {
  const logs = new Map<string, AuditLog>();
  return {
    sink({ path, maxBytes, keep }) {
      const existing = logs.get(path);
      const settings = {
        ...(maxBytes !== undefined ? { maxBytes } : {}),
        ...(keep !== undefined ? { keep } : {}),
      };
      if (existing) {
        existing.configure(settings);
        return existing;
      }
      const log = createAuditLog({ ...common, path, ...settings });
      logs.set(path, log);
      return log;
    },
  };
}

import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { redactArguments } from './redact.js';

export interface AuditEntry {
  principal: string;
  tool: string;
  args: unknown;
  outcome: 'ok' | 'error' | 'denied';
  error_code?: string;
  rule?: string;
  duration_ms: number;
  /** Hub calls: the target expression as the client gave it. */
  targets?: string;
  /** Hub calls: each device's outcome, `ok` or an error code. */
  devices?: Record<string, string>;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}

export interface AuditLogOptions {
  path: string;
  /** Rotate when the file passes this size. */
  maxBytes?: number;
  /** Rotated files kept: path.1 … path.N. */
  keep?: number;
  now?: () => Date;
  onError?: (error: Error) => void;
  /** How long a call waits for its audit line before going on (the line is still written). */
  maxWaitMs?: number;
}

/**
 * Append-only JSONL audit. Each entry is one `appendFile` of one whole line (O_APPEND), so
 * concurrent calls never interleave inside a line; writes are chained so rotation never
 * races an append. A failing disk is reported, never thrown into the tool call.
 */
export function createAuditLog(options: AuditLogOptions): AuditSink {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = options.keep ?? 5;
  const now = options.now ?? (() => new Date());
  const waitMs = options.maxWaitMs ?? 2000;
  // A directory we cannot create is reported; each append then fails and is reported too.
  let chain: Promise<void> = mkdir(dirname(options.path), { recursive: true, mode: 0o700 }).then(
    () => {},
    (error: Error) => options.onError?.(error),
  );
  let size: number | undefined;

  async function rotate(): Promise<void> {
    for (let i = keep - 1; i >= 1; i--) {
      await rename(`${options.path}.${i}`, `${options.path}.${i + 1}`).catch(() => {});
    }
    await rename(options.path, `${options.path}.1`).catch(() => {});
    size = 0;
  }

  async function write(line: string): Promise<void> {
    if (size === undefined)
      size = await stat(options.path).then(
        (s) => s.size,
        () => 0,
      );
    if (size > 0 && size + line.length > maxBytes) await rotate();
    await appendFile(options.path, line, { mode: 0o600 });
    size += Buffer.byteLength(line);
  }

  return {
    record(entry) {
      const line = `${JSON.stringify({ time: now().toISOString(), ...entry, args: redactArguments(entry.args) })}\n`;
      chain = chain.then(
        () => write(line),
        () => write(line),
      );
      const written = chain.catch((error: Error) => {
        size = undefined;
        options.onError?.(error);
      });
      // A hung filesystem (a dead NFS mount) must not hang every tool call behind it: the
      // caller waits a bounded time, the write itself stays queued and in order.
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          options.onError?.(new Error(`audit write to ${options.path} still pending after ${waitMs} ms`));
          resolve();
        }, waitMs);
        timer.unref();
      });
      return Promise.race([written, bounded]).finally(() => clearTimeout(timer));
    },
  };
}

/** An audit that keeps nothing (tests, or auditing turned off explicitly). */
export const noAudit: AuditSink = { record: async () => {} };

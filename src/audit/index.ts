export type { AuditEntry, AuditLogOptions, AuditSink } from './auditLog.js';
export { createAuditLog, noAudit } from './auditLog.js';
export { redactArguments } from './redact.js';

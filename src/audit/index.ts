export { GENESIS, parseHash, sha256Hex } from './auditChain.js';
export type { AuditFiles } from './auditFiles.js';
export { createAuditFiles } from './auditFiles.js';
export type { AuditEntry, AuditLog, AuditLogOptions, AuditSink } from './auditLog.js';
export { createAuditLog, noAudit } from './auditLog.js';
export { redactArguments } from './redact.js';
export type { AuditVerification } from './verify.js';
export { readAuditFiles, verifyAuditFiles, withRotated } from './verify.js';

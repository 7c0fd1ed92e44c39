import { createHash } from 'node:crypto';

const SECRET_KEY =
  /token|secret|password|passwd|credential|api[_-]?key|private[_-]?key|authorization|cookie/i;
/** Argument keys whose values are bulk data: recorded as size and hash, never verbatim. */
const BULK_KEYS = new Set(['content', 'stdin', 'keys']);

/**
 * Arguments as they go into the audit: secret-looking keys and every `env` value replaced by
 * a marker, file contents, stdin and tmux keystrokes by their size and sha256 (enough to match a change to a
 * file, without copying secrets or megabytes into the log).
 */
export function redactArguments(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return '[redacted]';
    if (BULK_KEYS.has(key)) {
      return { bytes: Buffer.byteLength(value), sha256: createHash('sha256').update(value).digest('hex') };
    }
    return value.length > 2048 ? `${value.slice(0, 2048)}…[${value.length} chars]` : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        key === 'env'
          ? '[redacted]'
          : SECRET_KEY.test(k) && typeof v !== 'object'
            ? '[redacted]'
            : redactArguments(v, k);
    }
    return out;
  }
  return value;
}

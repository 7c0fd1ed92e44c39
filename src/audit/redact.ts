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
/**
 * Deeper than this, a value is recorded as a marker: the walk is recursive, and arguments that
 * come over stdio have no front that bounds their nesting (HTTP bodies are refused past 64).
 */
const MAX_DEPTH = 32;

export function redactArguments(value: unknown, key = '', depth = 0): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return '[redacted]';
    if (BULK_KEYS.has(key)) {
      return { bytes: Buffer.byteLength(value), sha256: createHash('sha256').update(value).digest('hex') };
    }
    return value.length > 2048 ? `${value.slice(0, 2048)}…[${value.length} chars]` : value;
  }
  if (value && typeof value === 'object' && depth >= MAX_DEPTH) return `[nested deeper than ${MAX_DEPTH}]`;
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, key, depth + 1));
  if (value && typeof value === 'object') {
    // No prototype: a `__proto__` argument key is then an ordinary key that is recorded, not a
    // prototype swap that would drop it from the audit line.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        key === 'env'
          ? '[redacted]'
          : // Whatever its shape: `{password: {value: "x"}}` must not keep "x".
            SECRET_KEY.test(k) && v !== null && v !== undefined
            ? '[redacted]'
            : redactArguments(v, k, depth + 1);
    }
    return out;
  }
  return value;
}

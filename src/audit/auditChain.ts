import { createHash } from 'node:crypto';

/**
 * The `prev` of the first line of a brand-new audit log: no line came before it. A first line
 * with any other `prev` continues a file that is not there (rotated away, or not given).
 */
export const GENESIS = '0'.repeat(64);

const SEAL_KEY = ',"seal":"';
/** What follows a line's sealed bytes: `,"seal":"`, 64 hex digits, `"}`. */
const SEAL_TAIL = /^,"seal":"([0-9a-f]{64})"\}$/;
const SEAL_TAIL_BYTES = SEAL_KEY.length + 64 + 2;
const HEX64 = /^[0-9a-f]{64}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The audit line (without its newline) for the JSON object `json`, chained to `prev`, the
 * sha256 of the previous line's exact bytes: `prev` goes in as the last field but one, and
 * `seal` last, the sha256 of every byte before `,"seal":"`. The seal makes a changed line fail
 * on that very line (the last one included) instead of only on the line after it; it is not
 * a secret and anyone who can write the file can recompute it (see docs/security.md).
 */
export function chainLine(json: string, prev: string): string {
  const open = json === '{}' ? '{' : `${json.slice(0, -1)},`;
  const sealed = `${open}"prev":"${prev}"`;
  return `${sealed}${SEAL_KEY}${sha256Hex(sealed)}"}`;
}

/** One line's own verdict: its `prev`, or why it is not a whole, unaltered audit record. */
export type LineCheck =
  | { ok: true; prev: string }
  | { ok: false; kind: 'torn' | 'altered' | 'foreign'; reason: string };

/**
 * Checks one line by itself (bytes without the newline): a JSON object, ending in a seal that
 * matches its bytes, with a `prev` hash. Whether `prev` fits the line before is the caller's.
 */
export function checkLine(bytes: Uint8Array): LineCheck {
  if (bytes.length === 0) return { ok: false, kind: 'foreign', reason: 'empty line' };
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { ok: false, kind: 'torn', reason: 'not a whole JSON record' };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { ok: false, kind: 'foreign', reason: 'not an audit record (not a JSON object)' };
  }
  const cut = bytes.length - SEAL_TAIL_BYTES;
  const tail = cut >= 0 ? Buffer.from(bytes.subarray(cut)).toString('latin1') : '';
  const seal = SEAL_TAIL.exec(tail)?.[1];
  if (seal === undefined) {
    return {
      ok: false,
      kind: 'foreign',
      reason: 'no seal at the end of the line: not written by the audit log',
    };
  }
  if (sha256Hex(bytes.subarray(0, cut)) !== seal) {
    return { ok: false, kind: 'altered', reason: 'the seal does not match the line: the line was altered' };
  }
  const prev = (record as { prev?: unknown }).prev;
  if (typeof prev !== 'string' || !HEX64.test(prev)) {
    return { ok: false, kind: 'foreign', reason: 'no prev hash in the record' };
  }
  return { ok: true, prev };
}

/** A valid sha256 hex digest (what `--checkpoint` takes), lowercased; `undefined` if it is not one. */
export function parseHash(text: string): string | undefined {
  const lower = text.trim().toLowerCase();
  return HEX64.test(lower) ? lower : undefined;
}

import { lstat, readFile } from 'node:fs/promises';
import { FleetError, fromSystemError, markOperator } from '../errors/index.js';
import { checkLine, GENESIS, sha256Hex } from './auditChain.js';
import { MAX_ROTATED } from './auditRotate.js';

/** A line that breaks the chain: its number (from 1, in its file) and why. */
export interface AuditProblem {
  line: number;
  reason: string;
}

export interface ChainOptions {
  /** What the first line's `prev` must be (GENESIS, or the last hash of the file before). */
  prev?: string;
  /** What `prev` names, for the message when the first line does not fit it. */
  prevLabel?: string;
  /** A line hash to look for: `checkpointLine` says where it is. */
  checkpoint?: string;
  /** Problems kept in the result (all are counted). Default 100. */
  maxProblems?: number;
}

export interface ChainCheck {
  ok: boolean;
  lines: number;
  /** The first line's `prev`: GENESIS, or the hash of a line this text does not hold. */
  start: string | null;
  /** The sha256 of the last line's bytes: the next line's `prev`. `null` for no lines. */
  last: string | null;
  firstBroken?: AuditProblem;
  problems: AuditProblem[];
  problemCount: number;
  /** The line whose sha256 is `options.checkpoint`, when asked and found. */
  checkpointLine?: number;
}

const TORN_NOTE =
  '; the next line chains to it, so the writer itself left it torn (a crash or a full disk mid-write)';

/**
 * Checks an audit log's text (exact bytes): every line is a whole record whose seal matches
 * it, and each `prev` is the sha256 of the line before (the first line's: `options.prev` when
 * given, else taken as the chain's start). `firstBroken` is the first line at which the text
 * stops being a valid chain: an altered line fails itself; a removed, inserted or reordered
 * line fails where the order breaks. A removed tail is not visible here: see `checkpoint`.
 */
export function verifyAuditChain(data: Uint8Array | string, options: ChainOptions = {}): ChainCheck {
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const maxProblems = options.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  let problemCount = 0;
  const report = (line: number, reason: string): AuditProblem | undefined => {
    problemCount += 1;
    if (problems.length >= maxProblems) return undefined;
    const problem = { line, reason };
    problems.push(problem);
    return problem;
  };
  let start: string | null = null;
  let last: string | null = null;
  let lines = 0;
  let checkpointLine: number | undefined;
  let previous: { hash: string; ok: boolean; torn: boolean; problem: AuditProblem | undefined } | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    const newline = bytes.indexOf(0x0a, offset);
    const end = newline < 0 ? bytes.length : newline;
    const line = bytes.subarray(offset, end);
    offset = end + 1;
    lines += 1;
    const hash = sha256Hex(line);
    if (options.checkpoint !== undefined && checkpointLine === undefined && hash === options.checkpoint)
      checkpointLine = lines;
    const check = checkLine(line);
    const cutShort = newline < 0 ? '; no newline at the end of the file: the last write was cut short' : '';
    let problem: AuditProblem | undefined;
    if (!check.ok) {
      problem = report(lines, `${check.reason}${cutShort}`);
    } else if (previous === undefined) {
      start = check.prev;
      if (options.prev !== undefined && check.prev !== options.prev) {
        const label = options.prevLabel ?? (options.prev === GENESIS ? 'the genesis hash' : options.prev);
        report(lines, `prev does not match ${label}`);
      }
    } else if (check.prev === previous.hash) {
      // The writer chained past a torn line: say so on that line.
      if (previous.torn && previous.problem) previous.problem.reason += TORN_NOTE;
    } else if (previous.ok) {
      // Only after a whole record: after a broken line the link cannot be checked (what that
      // line was before it broke, and so its hash, is unknown).
      report(
        lines,
        `prev does not match line ${lines - 1}: a line was removed, inserted or reordered before this one`,
      );
    }
    if (check.ok && cutShort) report(lines, cutShort.slice(2));
    previous = { hash, ok: check.ok, torn: !check.ok && check.kind === 'torn', problem };
    last = hash;
  }
  const result: ChainCheck = { ok: problemCount === 0, lines, start, last, problems, problemCount };
  if (problems[0]) result.firstBroken = problems[0];
  if (checkpointLine !== undefined) result.checkpointLine = checkpointLine;
  return result;
}

export interface FileChainCheck extends ChainCheck {
  file: string;
}

/**
 * A rotated file that is not there while an older one is (`audit.jsonl.1` gone, `.2` present):
 * the writer leaves no number free below a kept file (but for a crash in the middle of a
 * rotation, until the next one), so its lines cannot be checked. `older` and `newer` are the
 * nearest files present on either side.
 */
export interface MissingFile {
  file: string;
  older: string;
  newer: string;
}

/** The verdict over files checked as one chain, oldest first. */
export interface AuditVerification {
  ok: boolean;
  lines: number;
  /** The first line's `prev`: GENESIS when the chain starts at a new log's first line. */
  start: string | null;
  last: string | null;
  files: FileChainCheck[];
  /** Rotated files missing between files present: each makes the verdict broken. */
  missing: MissingFile[];
  firstBroken?: AuditProblem & { file: string };
  /** Asked for: where the line with that hash is, or `found: null`. */
  checkpoint?: { sha256: string; found: { file: string; line: number } | null };
}

/**
 * Checks files as one chain, oldest first (`audit.jsonl.2`, `audit.jsonl.1`, `audit.jsonl`):
 * each file's first line must chain to the last line of the file before. With a checkpoint (a
 * last-line hash kept elsewhere), the verdict is also broken when that line is gone: the only
 * way to see a removed tail or a log rewritten from some line on. `missing` (from withRotated)
 * are files known to be gone between two given ones: the verdict is broken, and the file after
 * such a hole is taken as anchored (its first line cannot be checked against lines that are gone).
 */
export function verifyAuditFiles(
  files: ReadonlyArray<{ file: string; data: Uint8Array | string }>,
  options: { checkpoint?: string; start?: string; missing?: readonly MissingFile[] } = {},
): AuditVerification {
  const missing = [...(options.missing ?? [])];
  const checks: FileChainCheck[] = [];
  let prev = options.start;
  let prevLabel: string | undefined;
  let before: string | undefined;
  for (const { file, data } of files) {
    if (missing.some((m) => m.newer === file && m.older === before)) {
      prev = undefined;
      prevLabel = undefined;
    }
    before = file;
    const check = verifyAuditChain(data, { prev, prevLabel, checkpoint: options.checkpoint });
    checks.push({ file, ...check });
    if (check.last !== null) {
      prev = check.last;
      prevLabel = `the last line of ${file} (rotated files go oldest first: audit.jsonl.2 audit.jsonl.1 audit.jsonl)`;
    }
  }
  const broken = checks.find((c) => c.firstBroken);
  const at = checks.find((c) => c.checkpointLine !== undefined);
  const result: AuditVerification = {
    ok: broken === undefined && missing.length === 0,
    lines: checks.reduce((n, c) => n + c.lines, 0),
    start: checks.find((c) => c.start !== null)?.start ?? null,
    last: checks.findLast((c) => c.last !== null)?.last ?? null,
    files: checks,
    missing,
  };
  if (broken?.firstBroken) result.firstBroken = { file: broken.file, ...broken.firstBroken };
  if (options.checkpoint !== undefined) {
    result.checkpoint = {
      sha256: options.checkpoint,
      found: at?.checkpointLine !== undefined ? { file: at.file, line: at.checkpointLine } : null,
    };
    if (!at) result.ok = false;
  }
  return result;
}

/** The files of one audit log to check as one chain, oldest first, and the rotated ones missing. */
export interface RotatedFiles {
  files: string[];
  missing: MissingFile[];
}

async function present(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    // Hazard: treating "cannot look" as absent would skip the file; reading it reports the error.
    return true;
  }
}

/**
 * `path.N` … `path.1` that exist (every number up to 100, so one removed file does not hide the
 * older ones behind it), then `path`; each number free below the highest present one is a
 * missing file, reported, not skipped quietly.
 */
export async function withRotated(path: string): Promise<RotatedFiles> {
  const found: number[] = [];
  for (let i = MAX_ROTATED; i >= 1; i--) if (await present(`${path}.${i}`)) found.push(i);
  const files = [...found.map((i) => `${path}.${i}`), path];
  const missing: MissingFile[] = [];
  for (let i = (found[0] ?? 1) - 1; i >= 1; i--) {
    if (found.includes(i)) continue;
    const older = Math.min(...found.filter((n) => n > i));
    const newer = Math.max(0, ...found.filter((n) => n < i));
    missing.push({
      file: `${path}.${i}`,
      older: `${path}.${older}`,
      newer: newer === 0 ? path : `${path}.${newer}`,
    });
  }
  return { files, missing };
}

/** Reads the files to verify; one that cannot be read is the operator's to fix (one line, exit 2). */
export async function readAuditFiles(
  paths: readonly string[],
): Promise<Array<{ file: string; data: Buffer }>> {
  if (paths.length === 0) throw new FleetError('USAGE', 'no audit file given');
  const out: Array<{ file: string; data: Buffer }> = [];
  for (const file of paths) {
    try {
      out.push({ file, data: await readFile(file) });
    } catch (error) {
      throw markOperator(fromSystemError(error, file));
    }
  }
  return out;
}

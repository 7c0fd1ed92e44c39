import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { chainLine, sha256Hex } from './auditChain.js';
import { finishRotation, rotateAuditFile } from './auditRotate.js';
import { type ChainTail, readChainTail } from './auditTail.js';
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

/** A writer of one audit file whose rotation settings a reload may change. */
export interface AuditLog extends AuditSink {
  configure(settings: { maxBytes?: number; keep?: number }): void;
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
  /**
   * Bytes of records held in memory while the file takes none (a full disk, a hung mount);
   * past it, records are counted instead and one `audit_gap` record says how many.
   */
  maxBacklogBytes?: number;
  /**
   * While records are held, how often to try the file again without waiting for the next call;
   * after a failed rotation, how long before the next write tries rotating again.
   */
  retryMs?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_KEEP = 5;

interface GapCount {
  dropped: number;
  first: string;
  last: string;
}

/**
 * A queued record, or the count standing in for records past the backlog. `writing`: a write of
 * the gap has begun, so its line is already built and a later drop must start a new count.
 */
type Pending = { json: string; bytes: number } | { gap: GapCount; writing: boolean };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The record standing in for records a full backlog could not keep: shaped like any other. */
function gapJson(time: string, gap: GapCount): string {
  return JSON.stringify({
    time,
    principal: '-',
    tool: 'audit_gap',
    args: gap,
    outcome: 'error',
    error_code: 'IO_ERROR',
    duration_ms: 0,
  });
}

/**
 * Append-only JSONL audit, hash-chained: each line carries `prev`, the sha256 of the line
 * before (GENESIS for the first line of a new log), and a `seal` (see chainLine), so
 * `mcp-fleet audit verify` finds an altered, removed, inserted or reordered line. The chain
 * continues across restarts (the head is read back from the file) and rotations (a new
 * file's first line chains to the rotated file's last).
 *
 * Records queue in call order and are written one whole line per write by a single writer,
 * so lines never interleave and each `prev` is the line really before it. A write that fails
 * (ENOSPC) is cut back to where its line began and the record stays queued, unchained, until
 * the file takes it: the next record retries, so a disk that comes back gets every record, in
 * order, with an unbroken chain. A failing disk is reported, never thrown into the tool call.
 * A rotation that cannot rename the file is reported once and retried every retryMs while
 * lines go on being appended to the current file, past maxBytes.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { path } = options;
  let maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let keep = options.keep ?? DEFAULT_KEEP;
  const now = options.now ?? (() => new Date());
  const waitMs = options.maxWaitMs ?? 2000;
  const maxBacklogBytes = options.maxBacklogBytes ?? 4 * 1024 * 1024;
  const retryMs = options.retryMs ?? 5000;
  const queue: Pending[] = [];
  let queuedBytes = 0;
  // Undefined: not known (start, or after a failed write): read back from the file first.
  let tail: ChainTail | undefined;
  // Where the file ends, read back with `tail` and then counted: this writer is the file's only
  // one (see createAuditFiles; the chain already depends on that), so a stat per line is not needed.
  let size = 0;
  let writing: Promise<void> = Promise.resolve();
  // A drain queued behind the running one, shared by every record that arrives meanwhile: a
  // hung mount then holds one waiting drain, not one per call.
  let scheduled: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  // When a failing rotation was last tried (undefined: the last rotation, if any, worked).
  let rotationFailedAt: number | undefined;

  function reportUnremoved(unremoved: string[]): void {
    if (unremoved.length === 0) return;
    options.onError?.(
      new Error(`audit rotation could not delete files past keep=${keep}: ${unremoved.join('; ')}`),
    );
  }

  /**
   * Rotates unless a rotation failed less than retryMs ago; true if the next line starts a new
   * file. A failure is reported once, when it starts, not on every line written meanwhile.
   */
  async function tryRotate(): Promise<boolean> {
    const at = now().getTime();
    // abs: a clock stepped back must not hold rotation off until it catches up.
    if (rotationFailedAt !== undefined && Math.abs(at - rotationFailedAt) < retryMs) return false;
    try {
      reportUnremoved(await rotateAuditFile(path, keep));
    } catch (error) {
      if (rotationFailedAt === undefined) {
        options.onError?.(
          new Error(
            `audit rotation of ${path} failed: ${messageOf(error)}; appending to it past max_bytes until a rotation succeeds`,
            { cause: error },
          ),
        );
      }
      rotationFailedAt = at;
      return false;
    }
    rotationFailedAt = undefined;
    return true;
  }

  async function sizeOf(file: string): Promise<number> {
    try {
      return (await stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /**
   * Appends one line (after a newline that ends a torn tail, if any), all or nothing, to a file
   * `start` bytes long; resolves with the file's new size.
   */
  async function append(line: string, at: ChainTail, start: number): Promise<number> {
    let size = start;
    let data = Buffer.from(`${at.needsNewline ? '\n' : ''}${line}\n`);
    // Only a file really renamed away starts afresh: otherwise the torn tail still needs its
    // newline and `size` is still where this line begins (the cut-back below depends on it).
    if (size > 0 && size + data.length > maxBytes && (await tryRotate())) {
      size = 0;
      data = Buffer.from(`${line}\n`);
    }
    const fh = await open(path, 'a', 0o600);
    let written = 0;
    try {
      // Bounded: each round writes at least one byte or throws.
      while (written < data.length) {
        const { bytesWritten } = await fh.write(data, written, data.length - written);
        written += bytesWritten;
      }
    } catch (error) {
      // Hazard: a full disk takes part of a line and refuses the rest. Left there, the torn
      // bytes would be a broken record; cut them back (only if nobody else appended since).
      if (written > 0) {
        const after = await fh.stat().catch(() => undefined);
        if (after?.size === size + written) await fh.truncate(size).catch(() => {});
      }
      throw error;
    } finally {
      await fh.close().catch(() => {});
    }
    return size + data.length;
  }

  /**
   * Writes the records queued when it starts, oldest first. Only those: under steady load a
   * drain that also took later arrivals would never end, and every call waiting on it would
   * wait out maxWaitMs.
   */
  async function drain(): Promise<void> {
    const count = queue.length;
    for (let n = 0, item = queue[0]; n < count && item !== undefined; n++, item = queue[0]) {
      try {
        if (tail === undefined) {
          await mkdir(dirname(path), { recursive: true, mode: 0o700 });
          // A rotation a crash cut short is completed first, so the head is read from the right file.
          reportUnremoved(await finishRotation(path, keep));
          tail = await readChainTail(path);
          size = await sizeOf(path);
        }
        if ('gap' in item) item.writing = true;
        const json = 'json' in item ? item.json : gapJson(now().toISOString(), item.gap);
        const line = chainLine(json, tail.head);
        size = await append(line, tail, size);
        tail = { head: sha256Hex(line), needsNewline: false };
      } catch (error) {
        // The chain does not advance for a line that is not on disk; read the tail back next time.
        tail = undefined;
        throw new Error(
          `audit write to ${path} failed: ${messageOf(error)}; ${queue.length} record(s) held until it takes them`,
          { cause: error },
        );
      }
      queue.shift();
      if ('json' in item) queuedBytes -= item.bytes;
    }
  }

  function enqueue(json: string, time: string): void {
    const bytes = Buffer.byteLength(json);
    if (queue.length > 0 && queuedBytes + bytes > maxBacklogBytes) {
      const last = queue.at(-1);
      // Hazard: a gap whose write has begun is already serialised; counting into it would lose the drop.
      if (last && 'gap' in last && !last.writing) {
        last.gap.dropped += 1;
        last.gap.last = time;
      } else queue.push({ gap: { dropped: 1, first: time, last: time }, writing: false });
      return;
    }
    queue.push({ json, bytes });
    queuedBytes += bytes;
  }

  function schedule(): Promise<void> {
    if (scheduled) return scheduled;
    const start = (): Promise<void> => {
      scheduled = undefined;
      return drain();
    };
    scheduled = writing.then(start, start);
    writing = scheduled;
    // Held records are written when the disk is back even if no call comes to push them (an
    // idle hub stopped later would lose them); the calls already reported the failure.
    writing.catch(() => {
      if (retry !== undefined || queue.length === 0) return;
      retry = setTimeout(() => {
        retry = undefined;
        if (queue.length > 0) schedule().catch(() => {});
      }, retryMs);
      retry.unref();
    });
    return scheduled;
  }

  return {
    configure(settings) {
      maxBytes = settings.maxBytes ?? DEFAULT_MAX_BYTES;
      keep = settings.keep ?? DEFAULT_KEEP;
    },
    record(entry) {
      const time = now().toISOString();
      enqueue(JSON.stringify({ time, ...entry, args: redactArguments(entry.args) }), time);
      const written = schedule().catch((error: Error) => {
        options.onError?.(error);
      });
      // A hung filesystem (a dead NFS mount) must not hang every tool call behind it: the
      // caller waits a bounded time, the record itself stays queued and in order.
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          options.onError?.(new Error(`audit write to ${path} still pending after ${waitMs} ms`));
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

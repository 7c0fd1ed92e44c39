import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { readTextFile, writeTextAtomic } from './textFile.js';

/**
 * JSON state files that hold secrets or their hashes (join tokens, enrolled credentials, the
 * agent's joined tokens). Unreadable, unwritable or invalid files are CONFIG_INVALID, like an
 * unreadable config: the operator fixes them (ownership, a hand edit), so the CLI prints one line.
 */

/** Reads and validates a JSON state file; `undefined` when it does not exist. */
export async function readJsonState<S extends z.ZodType>(
  schema: S,
  path: string,
): Promise<z.output<S> | undefined> {
  const text = (await readTextFile(path))?.text;
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FleetError('CONFIG_INVALID', `invalid JSON in ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    field: issue.path.map((p) => String(p)).join('.'),
    message: issue.message,
  }));
  const lines = problems.map((p) => `${path}: ${p.field ? `${p.field}: ` : ''}${p.message}`);
  throw new FleetError('CONFIG_INVALID', `invalid state file ${path}\n${lines.join('\n')}`, {
    file: path,
    problems,
  });
}

/**
 * Replaces `path` with `value` as JSON, mode 0600 (see writeTextAtomic): a reader (or a crash)
 * sees the old file or the new one, never half of one.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

export interface FileLockOptions {
  /** A lock older than this was left by a crashed process and is taken over. */
  staleMs?: number;
  /** Tries before giving up (a lock is held only for one small read and write). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `fn` holding `<path>.lock`, so the hub and a CLI command (two processes) cannot both
 * read-modify-write the same state file and lose one another's change.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = `${path}.lock`;
  const staleMs = options.staleMs ?? 10_000;
  const attempts = options.attempts ?? 400;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new FleetError('CONFIG_INVALID', `cannot create ${dirname(path)}: ${(error as Error).message}`, {
      file: path,
    });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`).finally(() => handle.close());
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new FleetError('CONFIG_INVALID', `cannot lock ${path}: ${(error as Error).message}`, {
          file: path,
        });
      }
      if (attempt >= attempts) {
        // `operator`: another command holding the file is for the operator to wait out or
        // clear, not a defect; the CLI prints one line (isOperatorError).
        throw new FleetError('UNAVAILABLE', `${path} stays locked by another mcp-fleet process (${lock})`, {
          file: path,
          operator: true,
        });
      }
      // Hazard: two processes that both find the same stale lock could both take it over;
      // that needs a crash and a collision at once, and costs at worst one lost update.
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await rm(lock, { force: true });
      else await sleep(25);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * Serializes async work within one process: each task starts after the previous one settled.
 * Used per store, so two requests in the hub cannot interleave a read-modify-write.
 */
export function createSerializer(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}

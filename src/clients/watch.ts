import { watch as fsWatch } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createSerializer } from '../config/index.js';
import { readConfigFile, sha256 } from './configFile.js';
import type { ClientsContext } from './context.js';
import { candidateLocations } from './context.js';
import { type SyncResult, syncClients } from './sync.js';

/**
 * `clients watch`: repairs drift of the hub entry as client files change. Files are replaced
 * by rename (by the clients and by us), which ends a watch on the file itself, so the
 * directories are watched and events filtered by name, debounced per file.
 *
 * No loops: the hash of every text it writes is remembered, and an event whose file still
 * hashes to that is its own write and is ignored (and would find no drift anyway). A file
 * that needs repairing again and again (another program writing its own version back) is
 * given up on, with one warning, instead of a fight: after `maxRepairs` repairs within
 * `windowMs` (a check that repairs two scopes of one file counts once), or as soon as the file
 * comes back with a content it already repaired once — a slow fight flip-flops between the
 * same two texts, however far apart the writes are.
 */

export interface DirWatcher {
  close(): void;
}

export interface ClientsWatchOptions {
  ctx: ClientsContext;
  name: string;
  log: (line: string) => void;
  /** Also log ignored own writes and changes that needed nothing. */
  verbose?: boolean;
  watchDir?: (
    dir: string,
    onChange: (filename: string | null) => void,
    onError: (e: Error) => void,
  ) => DirWatcher;
  debounceMs?: number;
  maxRepairs?: number;
  windowMs?: number;
  now?: () => number;
}

export interface ClientsWatch {
  /** The client files watched. */
  files: string[];
  /** Resolves when no change is waiting for its debounce or being checked. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function defaultWatchDir(
  dir: string,
  onChange: (filename: string | null) => void,
  onError: (e: Error) => void,
): DirWatcher {
  const watcher = fsWatch(dir, { persistent: true }, (_event, filename) =>
    onChange(filename ? String(filename) : null),
  );
  watcher.on('error', onError);
  return watcher;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export function describeSync(result: SyncResult): string {
  const where = `${result.client} (${result.scope}) ${result.file}`;
  if (result.action === 'repaired') return `repaired ${where}: ${result.drift.join(', ')}`;
  if (result.action === 'failed') return `cannot sync ${where}: ${result.reason}`;
  if (result.action === 'unmanaged') return `left alone ${where}: ${result.reason}`;
  return `in sync ${where}`;
}

/** Runs one sync pass, then keeps the found clients' files in sync until `close()`. */
export async function startClientsWatch(options: ClientsWatchOptions): Promise<ClientsWatch> {
  const { ctx, name, log } = options;
  const watchDir = options.watchDir ?? defaultWatchDir;
  const debounceMs = options.debounceMs ?? 200;
  const maxRepairs = options.maxRepairs ?? 3;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const serial = createSerializer();
  const lastWritten = new Map<string, string>();
  const repairs = new Map<string, number[]>();
  /** Per file, the hashes of texts watch repaired away: seeing one again means a fight. */
  const repairedFrom = new Map<string, Set<string>>();
  const givenUp = new Set<string>();
  const announced = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let pending: Promise<unknown> = Promise.resolve();
  let closed = false;

  const giveUp = (file: string, why: string) => {
    givenUp.add(file);
    log(
      `warning: ${file} ${why}; something else rewrites it, so it is no longer repaired until watch restarts`,
    );
  };

  const hashOf = async (file: string) => {
    const state = await readConfigFile(file).catch(() => undefined);
    return state?.exists ? sha256(state.text) : undefined;
  };

  /** Logs one pass's results and counts one repair per file, `before` being each file's hash before it. */
  const account = (results: readonly SyncResult[], before: ReadonlyMap<string, string | undefined>) => {
    const repairedFiles = new Map<string, SyncResult>();
    for (const result of results) {
      const quiet =
        result.action === 'in-sync' || (result.action === 'unmanaged' && announced.has(result.file));
      if (!quiet || options.verbose) log(describeSync(result));
      if (result.action === 'unmanaged') announced.add(result.file);
      // Results come in write order: the last repair of a file holds its text now.
      if (result.action === 'repaired') repairedFiles.set(result.file, result);
    }
    for (const [file, result] of repairedFiles) {
      if (result.writtenHash) lastWritten.set(file, result.writtenHash);
      const from = before.get(file);
      if (from) repairedFrom.set(file, new Set([...(repairedFrom.get(file) ?? []), from]));
      const recent = [...(repairs.get(file) ?? []), now()].filter((t) => now() - t <= windowMs);
      repairs.set(file, recent);
      if (recent.length >= maxRepairs)
        giveUp(file, `was repaired ${recent.length} times in ${windowMs / 1000} s`);
    }
  };

  const check = async (file: string) => {
    if (closed || givenUp.has(file)) return;
    const hash = await hashOf(file);
    if (hash && lastWritten.get(file) === hash) {
      if (options.verbose) log(`own write ${file}`);
      return;
    }
    if (hash && repairedFrom.get(file)?.has(hash)) {
      giveUp(file, 'went back to a text watch had already repaired once');
      return;
    }
    account(await syncClients(ctx, name, new Set([file])), new Map([[file, hash]]));
  };

  const schedule = (file: string) => {
    if (closed) return;
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        pending = serial(() => check(file)).catch((error: unknown) =>
          log(`error checking ${file}: ${(error as Error).message}`),
        );
      }, debounceMs),
    );
  };

  const files = [...new Set((await candidateLocations(ctx.host)).map((l) => l.file))];
  const before = new Map(await Promise.all(files.map(async (f) => [f, await hashOf(f)] as const)));
  account(await syncClients(ctx, name), before);

  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    // A symlinked file changes where its target lives: watch both directories.
    const real = (await readConfigFile(file).catch(() => undefined))?.real ?? file;
    for (const path of new Set([file, real])) {
      const names = byDir.get(dirname(path)) ?? new Set<string>();
      names.add(`${basename(path)}\u0000${file}`);
      byDir.set(dirname(path), names);
    }
  }
  const watchers: DirWatcher[] = [];
  const watched = new Set<string>();
  try {
    for (const [dir, entries] of byDir) {
      if (!(await exists(dir))) continue;
      const targets = [...entries].map((e) => e.split('\u0000') as [string, string]);
      for (const [, file] of targets) watched.add(file);
      watchers.push(
        watchDir(
          dir,
          (filename) => {
            for (const [base, file] of targets) if (filename === null || filename === base) schedule(file);
          },
          (error) => log(`stopped watching ${dir}: ${error.message}`),
        ),
      );
    }
  } catch (error) {
    // A directory that cannot be watched (too many watches, no permission): the ones already
    // open would keep the process alive with nobody to close them.
    closed = true;
    for (const w of watchers) w.close();
    throw error;
  }
  return {
    files: [...watched],
    idle: async () => {
      // Bounded: debounce timers still due first, then the check they started.
      for (let i = 0; i < 1000 && timers.size > 0; i++)
        await new Promise((r) => setTimeout(r, debounceMs || 1));
      await pending;
    },
    close: async () => {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      for (const w of watchers) w.close();
      await pending;
    },
  };
}

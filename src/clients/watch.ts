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
 * given up on after `maxRepairs` repairs within `windowMs`, with a warning, instead of a fight.
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
  const givenUp = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let pending: Promise<unknown> = Promise.resolve();
  let closed = false;

  const report = (result: SyncResult) => {
    if (result.action !== 'in-sync' || options.verbose) log(describeSync(result));
    if (result.action !== 'repaired') return;
    if (result.writtenHash) lastWritten.set(result.file, result.writtenHash);
    const recent = [...(repairs.get(result.file) ?? []), now()].filter((t) => now() - t <= windowMs);
    repairs.set(result.file, recent);
    if (recent.length >= maxRepairs) {
      givenUp.add(result.file);
      log(
        `warning: ${result.file} was repaired ${recent.length} times in ${windowMs / 1000} s; something else rewrites it, so it is no longer repaired until watch restarts`,
      );
    }
  };

  const check = async (file: string) => {
    if (closed || givenUp.has(file)) return;
    const state = await readConfigFile(file).catch(() => undefined);
    if (state && lastWritten.get(file) === sha256(state.text)) {
      if (options.verbose) log(`own write ${file}`);
      return;
    }
    for (const result of await syncClients(ctx, name, new Set([file]))) report(result);
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

  for (const result of await syncClients(ctx, name)) report(result);

  const files = [...new Set((await candidateLocations(ctx.host)).map((l) => l.file))];
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

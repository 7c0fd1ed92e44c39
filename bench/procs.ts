import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Every process the bench starts, so all of them are killed at the end, on failure too: a
 * leftover hub or simulated fleet would skew the next run and hold its ports.
 */
export interface ProcessSet {
  /**
   * Spawns `command args`; with `openFiles`, through `sh -c 'ulimit -n N; exec …'`, so the limit is
   * raised and the child's pid is still the command's own.
   */
  spawn(
    command: string,
    args: readonly string[],
    options?: SpawnOptions & { openFiles?: number },
  ): ChildProcess;
  /** SIGTERM, then SIGKILL for whatever has not exited within `graceMs`. */
  stop(child: ChildProcess, graceMs?: number): Promise<void>;
  stopAll(graceMs?: number): Promise<void>;
  /** For `process.on('exit')`: synchronous, no grace. */
  killAllNow(): void;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

export function createProcessSet(): ProcessSet {
  const children = new Set<ChildProcess>();

  async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
    if (!exited(child)) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      if (!exited(child)) {
        child.kill('SIGKILL');
        await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
        clearTimeout(timer);
      }
    }
    children.delete(child);
  }

  return {
    spawn(command, args, options = {}) {
      const { openFiles, ...rest } = options;
      // A failed raise (no privilege) keeps the inherited limit; the bench reports the effective one.
      const child = openFiles
        ? spawn(
            'sh',
            ['-c', `ulimit -n ${openFiles} 2>/dev/null || true; exec "$@"`, 'sh', command, ...args],
            rest,
          )
        : spawn(command, [...args], rest);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    stop,
    async stopAll(graceMs) {
      await Promise.all([...children].map((c) => stop(c, graceMs)));
    },
    killAllNow() {
      for (const child of children) if (!exited(child)) child.kill('SIGKILL');
      children.clear();
    },
  };
}

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * CPU time (user + system, all threads) a process has used, in ms. /proc reports clock ticks;
 * USER_HZ is 100 on every Linux this targets (Node cannot ask sysconf).
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The soft open-files limit a process actually runs with. */
export function openFilesLimit(pid: number): string {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return /Max open files\s+(\S+)/.exec(limits)?.[1] ?? '?';
}

/** A port free right now on 127.0.0.1 (the OS picks it; another process could take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 2xx (bounded: `tries` × 10 ms plus request time). */
export async function waitHealthy(url: string, child: ChildProcess, tries = 1000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (exited(child)) throw new Error(`process for ${url} exited (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  throw new Error(`${url} never came up`);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/** A path the swapper keeps replacing by a symlink to `target` and putting back. */
export interface SwapPair {
  path: string;
  target: string;
}

export interface SymlinkSwapper {
  /** Resolves once the swapping loop runs. */
  ready: Promise<void>;
  /** Stops the loop, puts every path back, and resolves with the number of rounds it made. */
  stop(): Promise<number>;
}

/**
 * The loop, run in a child process so it races the agent for real instead of taking turns with
 * the test's event loop. Each round moves every path aside, puts a symlink to its target in its
 * place for a moment, removes it and moves the original back; every step may fail (a write
 * renamed a file there meanwhile) and is skipped. Bounded by rounds and time, and ends early
 * when the stop file appears. Sub-millisecond pauses use Atomics.wait (a sync loop never yields).
 */
const LOOP = `
const fs = require('node:fs');
const { pairs, stopFile, maxRounds, maxMs } = JSON.parse(process.argv[1]);
const cell = new Int32Array(new SharedArrayBuffer(4));
const nap = (ms) => Atomics.wait(cell, 0, 0, ms);
const quietly = (step) => { try { step(); } catch {} };
const end = Date.now() + maxMs;
let rounds = 0;
process.stdout.write('ready\\n');
while (rounds < maxRounds && Date.now() < end && !fs.existsSync(stopFile)) {
  for (const { path, target } of pairs) {
    quietly(() => fs.renameSync(path, path + '.aside'));
    quietly(() => fs.symlinkSync(target, path));
    nap(0.2);
    quietly(() => fs.unlinkSync(path));
    quietly(() => fs.renameSync(path + '.aside', path));
  }
  rounds++;
  nap(0.3);
}
for (const { path } of pairs) {
  if (!fs.existsSync(path + '.aside')) continue;
  quietly(() => fs.unlinkSync(path));
  quietly(() => fs.renameSync(path + '.aside', path));
}
process.stdout.write(JSON.stringify({ rounds }) + '\\n');
`;

/**
 * Starts swapping `pairs` in a child process until stopped (or `maxMs`, or `maxRounds`). The
 * stop file must be a path nobody else creates.
 */
export function startSymlinkSwapper(
  pairs: readonly SwapPair[],
  options: { stopFile: string; maxRounds?: number; maxMs?: number },
): SymlinkSwapper {
  const config = {
    pairs,
    stopFile: options.stopFile,
    maxRounds: options.maxRounds ?? 2_000_000,
    maxMs: options.maxMs ?? 90_000,
  };
  const child: ChildProcess = spawn(process.execPath, ['-e', LOOP, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the swapper exited (${code}) before it started`)));
  });
  return {
    ready,
    async stop() {
      if (!existsSync(options.stopFile)) writeFileSync(options.stopFile, '');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      const { rounds } = JSON.parse(last.startsWith('{') ? last : '{"rounds":0}') as { rounds: number };
      return rounds;
    },
  };
}

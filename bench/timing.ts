import { performance } from 'node:perf_hooks';

/** Runs `fn` `warmup` times untimed, then `n` times timed one after another; ms per call. */
export async function time(n: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * Times two paths in alternation (A B, B A, A B, …) so drift in a noisy machine (another
 * process waking, a GC in the server) lands on both samples alike; ms per call for each.
 */
export async function timePair(
  n: number,
  warmup: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const out = { a: [] as number[], b: [] as number[] };
  const one = async (fn: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await fn();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await one(a, out.a);
      await one(b, out.b);
    } else {
      await one(b, out.b);
      await one(a, out.a);
    }
  }
  return out;
}

/** Nearest-rank quantile (`q` in 0..1) of the samples; 0 for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((x, y) => x - y);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Times several paths in rotation: round i starts with path i mod k and goes round once, so
 * drift and whatever one path leaves behind (a GC, a process waking) land on every path alike.
 * `warmup` untimed rounds first; ms per call, one array per path.
 */
export async function timeRotating(
  n: number,
  warmup: number,
  paths: ReadonlyArray<() => Promise<unknown>>,
): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const fn of paths) await fn();
  const out = paths.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < paths.length; j++) {
      const k = (i + j) % paths.length;
      const fn = paths[k] as () => Promise<unknown>;
      const t = performance.now();
      await fn();
      out[k]?.push(performance.now() - t);
    }
  }
  return out;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuPercent, parseCpuTimes } from './cpuTimes.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseCpuTimes', () => {
  it('sums user..steal of the aggregate cpu line and not the per-cpu lines', () => {
    // cpu  3493 0 1396 43726 93 0 72 2 0 0
    expect(parseCpuTimes(sample('stat-local.txt'))).toEqual({
      total: 3493 + 0 + 1396 + 43726 + 93 + 0 + 72 + 2,
      idle: 43726 + 93,
    });
  });

  it('does not count guest time twice', () => {
    const text = 'cpu  100 10 50 800 20 5 5 10 40 4\ncpu0 100 10 50 800 20 5 5 10 40 4\n';
    expect(parseCpuTimes(text)).toEqual({ total: 1000, idle: 820 });
  });

  it('accepts the short line of old kernels', () => {
    expect(parseCpuTimes('cpu 10 0 5 85\n')).toEqual({ total: 100, idle: 85 });
  });

  it('returns zeros for empty or garbage text', () => {
    expect(parseCpuTimes('')).toEqual({ total: 0, idle: 0 });
    expect(parseCpuTimes('cpu0 1 2 3 4\nintr 5')).toEqual({ total: 0, idle: 0 });
    expect(parseCpuTimes('cpu  x y -3 NaN')).toEqual({ total: 0, idle: 0 });
  });
});

describe('cpuPercent', () => {
  it('computes the busy share between two real snapshots', () => {
    const prev = parseCpuTimes(sample('stat-local.txt'));
    const next = parseCpuTimes(sample('stat-local-later.txt'));
    const total = next.total - prev.total;
    const busy = total - (next.idle - prev.idle);
    expect(cpuPercent(prev, next)).toBe(Math.round((busy / total) * 1000) / 10);
  });

  it('rounds to one decimal', () => {
    expect(cpuPercent({ total: 0, idle: 0 }, { total: 300, idle: 200 })).toBe(33.3);
    expect(cpuPercent({ total: 100, idle: 100 }, { total: 200, idle: 100 })).toBe(100);
    expect(cpuPercent({ total: 100, idle: 0 }, { total: 200, idle: 100 })).toBe(0);
  });

  it('returns null when the total did not advance', () => {
    expect(cpuPercent({ total: 500, idle: 400 }, { total: 500, idle: 400 })).toBeNull();
    expect(cpuPercent({ total: 500, idle: 400 }, { total: 10, idle: 5 })).toBeNull();
  });

  it('clamps inconsistent counters into 0..100', () => {
    expect(cpuPercent({ total: 0, idle: 0 }, { total: 100, idle: 150 })).toBe(0);
    expect(cpuPercent({ total: 0, idle: 50 }, { total: 100, idle: 0 })).toBe(100);
  });
});

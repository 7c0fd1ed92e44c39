import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidStat } from './pidStat.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parsePidStat', () => {
  it('reads a real /proc/self/stat', () => {
    expect(parsePidStat(sample('self-stat-local.txt'))).toEqual({
      pid: 3599,
      comm: 'cat',
      state: 'R',
      ppid: 3589,
      pgrp: 3589,
      session: 2895,
      utime_ticks: 0,
      stime_ticks: 0,
      starttime_ticks: 24473,
      num_threads: 1,
      vsize_bytes: 3133440,
      rss_pages: 359,
    });
  });

  it('keeps spaces and colons inside comm', () => {
    expect(parsePidStat(sample('pid-stat-tmux.txt'))).toEqual({
      pid: 2895,
      comm: 'tmux: server',
      state: 'S',
      ppid: 1,
      pgrp: 2895,
      session: 2895,
      utime_ticks: 412,
      stime_ticks: 187,
      starttime_ticks: 8841,
      num_threads: 1,
      vsize_bytes: 9109504,
      rss_pages: 1024,
    });
  });

  it('ends comm at the last closing parenthesis', () => {
    const stat = parsePidStat(sample('pid-stat-parens.txt'));
    expect(stat?.comm).toBe('a) b');
    expect(stat?.state).toBe('R');
    expect(stat?.ppid).toBe(4100);
    expect(stat?.num_threads).toBe(3);
    expect(parsePidStat('7 ((x) (y)) S 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 4096 12')?.comm).toBe(
      '(x) (y)',
    );
  });

  it('returns null for empty, truncated or garbage text', () => {
    expect(parsePidStat('')).toBeNull();
    expect(parsePidStat('garbage')).toBeNull();
    expect(parsePidStat('12 (bash')).toBeNull();
    expect(parsePidStat('x (bash) S 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 4096 12')).toBeNull();
    expect(parsePidStat('12 (bash) S 1 2 3')).toBeNull();
    expect(parsePidStat(') 12 (bash')).toBeNull();
  });
});

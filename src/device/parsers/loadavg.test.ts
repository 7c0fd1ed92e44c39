import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLoadavg } from './loadavg.js';

describe('parseLoadavg', () => {
  it('reads the three averages and the running/total counts', () => {
    const text = readFileSync(new URL('./samples/loadavg-local.txt', import.meta.url), 'utf8');
    expect(parseLoadavg(text)).toEqual({ load1: 0.29, load5: 0.22, load15: 0.1, running: 1, total: 82 });
  });

  it('returns zeros for empty or garbage text', () => {
    const zero = { load1: 0, load5: 0, load15: 0, running: 0, total: 0 };
    expect(parseLoadavg('')).toEqual(zero);
    expect(parseLoadavg('abc def')).toEqual(zero);
    expect(parseLoadavg('1.5 x NaN 3')).toEqual({ ...zero, load1: 1.5, running: 3 });
  });
});

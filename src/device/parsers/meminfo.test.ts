import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeminfo } from './meminfo.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseMeminfo', () => {
  it('reads MemAvailable and converts kB to bytes', () => {
    expect(parseMeminfo(sample('meminfo-local.txt'))).toEqual({
      total_bytes: 24683656 * 1024,
      available_bytes: 24400460 * 1024,
      used_bytes: (24683656 - 24400460) * 1024,
      swap_total_bytes: 0,
      swap_used_bytes: 0,
    });
  });

  it('falls back to MemFree + Buffers + Cached on kernels without MemAvailable', () => {
    const available = (412336 + 105244 + 903412) * 1024;
    expect(parseMeminfo(sample('meminfo-legacy.txt'))).toEqual({
      total_bytes: 2059000 * 1024,
      available_bytes: available,
      used_bytes: 2059000 * 1024 - available,
      swap_total_bytes: 4128764 * 1024,
      swap_used_bytes: (4128764 - 4079612) * 1024,
    });
  });

  it('returns zeros for empty or garbage text', () => {
    const zero = {
      total_bytes: 0,
      available_bytes: 0,
      used_bytes: 0,
      swap_total_bytes: 0,
      swap_used_bytes: 0,
    };
    expect(parseMeminfo('')).toEqual(zero);
    expect(parseMeminfo('MemTotal: lots kB\nMemAvailable: -5 kB\n\u0000')).toEqual(zero);
  });
});

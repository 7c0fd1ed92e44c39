import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUptime } from './uptime.js';

describe('parseUptime', () => {
  it('returns seconds since boot as a float', () => {
    const text = readFileSync(new URL('./samples/uptime-local.txt', import.meta.url), 'utf8');
    expect(parseUptime(text)).toBe(244.73);
  });

  it('returns 0 for empty or garbage text', () => {
    expect(parseUptime('')).toBe(0);
    expect(parseUptime('up 3 days')).toBe(0);
    expect(parseUptime('Infinity 1')).toBe(0);
    expect(parseUptime('-4 1')).toBe(0);
  });
});

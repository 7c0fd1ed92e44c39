import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseThrottled, parseThrottledSysfs } from './throttled.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

const clear = {
  raw: '0x0',
  under_voltage: false,
  freq_capped: false,
  throttled: false,
  soft_temp_limit: false,
  under_voltage_occurred: false,
  freq_capped_occurred: false,
  throttled_occurred: false,
  soft_temp_limit_occurred: false,
};

describe('parseThrottled', () => {
  it('reads a healthy Pi', () => {
    expect(parseThrottled(sample('throttled-ok.txt'))).toEqual(clear);
  });

  it('reads under-voltage with throttling, now and since boot', () => {
    expect(parseThrottled(sample('throttled-50005.txt'))).toEqual({
      ...clear,
      raw: '0x50005',
      under_voltage: true,
      throttled: true,
      under_voltage_occurred: true,
      throttled_occurred: true,
    });
  });

  it('reads the soft temperature limit, now and since boot', () => {
    expect(parseThrottled(sample('throttled-80008.txt'))).toEqual({
      ...clear,
      raw: '0x80008',
      soft_temp_limit: true,
      soft_temp_limit_occurred: true,
    });
  });

  it('returns null for empty or garbage text', () => {
    expect(parseThrottled('')).toBeNull();
    expect(parseThrottled('VCHI initialization failed')).toBeNull();
    expect(parseThrottled('throttled=0xZZ')).toBeNull();
    expect(parseThrottled('throttled=0x123456789')).toBeNull();
    expect(parseThrottled('50005')).toBeNull();
  });
});

describe('parseThrottledSysfs', () => {
  it('reads bare hex from the firmware sysfs file', () => {
    expect(parseThrottledSysfs(sample('get-throttled-sysfs.txt'))).toEqual(
      parseThrottled(sample('throttled-50005.txt')),
    );
    expect(parseThrottledSysfs('0\n')).toEqual(clear);
    expect(parseThrottledSysfs('e0000')?.throttled_occurred).toBe(true);
  });

  it('returns null for empty or garbage text', () => {
    expect(parseThrottledSysfs('')).toBeNull();
    expect(parseThrottledSysfs('cat: get_throttled: Permission denied')).toBeNull();
    expect(parseThrottledSysfs('throttled=0x0')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { resolveOutputCap, resolveTimeoutMs } from './limits.js';
import { PolicySchema } from './schema.js';

const policy = PolicySchema.parse({
  limits: { default_timeout_s: 30, max_timeout_s: 300, max_output_bytes: 1000 },
});

describe('resolveTimeoutMs', () => {
  it('uses the default when absent or NaN', () => {
    expect(resolveTimeoutMs(policy)).toBe(30_000);
    expect(resolveTimeoutMs(policy, Number.NaN)).toBe(30_000);
  });

  it('uses the request within bounds, in milliseconds', () => {
    expect(resolveTimeoutMs(policy, 5)).toBe(5000);
    expect(resolveTimeoutMs(policy, 0.25)).toBe(250);
    expect(resolveTimeoutMs(policy, 300)).toBe(300_000);
  });

  it('clamps to the max', () => {
    expect(resolveTimeoutMs(policy, 301)).toBe(300_000);
    expect(resolveTimeoutMs(policy, Number.POSITIVE_INFINITY)).toBe(300_000);
  });

  it('never returns less than 1 ms', () => {
    expect(resolveTimeoutMs(policy, 0)).toBe(1);
    expect(resolveTimeoutMs(policy, -5)).toBe(1);
    expect(resolveTimeoutMs(policy, 0.0001)).toBe(1);
    expect(resolveTimeoutMs(policy, Number.NEGATIVE_INFINITY)).toBe(1);
  });
});

describe('resolveOutputCap', () => {
  it('uses the max when absent or NaN', () => {
    expect(resolveOutputCap(policy)).toBe(1000);
    expect(resolveOutputCap(policy, Number.NaN)).toBe(1000);
  });

  it('is min(requested, max), whole and non-negative', () => {
    expect(resolveOutputCap(policy, 10)).toBe(10);
    expect(resolveOutputCap(policy, 5000)).toBe(1000);
    expect(resolveOutputCap(policy, Number.POSITIVE_INFINITY)).toBe(1000);
    expect(resolveOutputCap(policy, 10.7)).toBe(10);
    expect(resolveOutputCap(policy, -1)).toBe(0);
  });
});

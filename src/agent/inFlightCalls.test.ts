import { describe, expect, it } from 'vitest';
import { createInFlightCalls } from './inFlightCalls.js';

describe('in-flight calls', () => {
  it('cancels the call of the same principal and id only', () => {
    const calls = createInFlightCalls();
    const a = calls.register('laptop', 1);
    const b = calls.register('laptop', '1');
    const c = calls.register('phone', 1);
    expect(calls.cancel('laptop', 1)).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(c.signal.aborted).toBe(false);
    a.done();
    b.done();
    c.done();
    expect(calls.size).toBe(0);
    expect(calls.cancel('laptop', 1)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles from initialMs up to maxMs', () => {
    const backoff = createBackoff({ initialMs: 5, maxMs: 20 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      5, 10, 20, 20, 20,
    ]);
  });

  it('stays finite after very many failures', () => {
    const backoff = createBackoff({ initialMs: 1000, maxMs: 60_000 });
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = backoff.next();
    expect(last).toBe(60_000);
  });

  it('starts over only after a connection that stayed up long enough', () => {
    const backoff = createBackoff({ initialMs: 1, maxMs: 100, resetAfterMs: 1000 });
    backoff.next();
    backoff.next();
    backoff.connectionEnded(999);
    expect(backoff.next()).toBe(4);
    backoff.connectionEnded(1000);
    expect(backoff.next()).toBe(1);
  });

  it('max() jumps to the ceiling and keeps counting', () => {
    const backoff = createBackoff({ initialMs: 1, maxMs: 50 });
    expect(backoff.max()).toBe(50);
    expect(backoff.next()).toBe(2);
  });
});

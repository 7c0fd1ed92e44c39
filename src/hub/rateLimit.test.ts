import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors/index.js';
import { createRateLimiter } from './rateLimit.js';

describe('createRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows N calls a minute, then refuses with the time to wait', async () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 3; i++) expect(await limiter.take('alice', 3)).toBeUndefined();
    vi.advanceTimersByTime(15_000);
    const refused = await limiter.take('alice', 3);
    expect(refused).toBeInstanceOf(FleetError);
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.message).toBe('rate limit of 3 calls per minute reached; retry in 45 s');
    expect(refused?.data).toEqual({ retry_after_s: 45 });
  });

  it('allows calls again once the minute is over', async () => {
    const limiter = createRateLimiter();
    expect(await limiter.take('alice', 1)).toBeUndefined();
    expect((await limiter.take('alice', 1))?.code).toBe('RATE_LIMITED');
    vi.advanceTimersByTime(60_001);
    expect(await limiter.take('alice', 1)).toBeUndefined();
  });

  it('keeps principals independent, each with its own limit', async () => {
    const limiter = createRateLimiter();
    expect(await limiter.take('alice', 1)).toBeUndefined();
    expect((await limiter.take('alice', 1))?.code).toBe('RATE_LIMITED');
    expect(await limiter.take('bob', 1)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(await limiter.take('carol', 5)).toBeUndefined();
    expect((await limiter.take('carol', 5))?.message).toContain('rate limit of 5 calls per minute');
    expect((await limiter.take('bob', 1))?.code).toBe('RATE_LIMITED');
  });

  it('applies a changed limit (a config reload) with a fresh budget', async () => {
    const limiter = createRateLimiter();
    expect(await limiter.take('alice', 1)).toBeUndefined();
    expect((await limiter.take('alice', 1))?.code).toBe('RATE_LIMITED');
    expect(await limiter.take('alice', 2)).toBeUndefined();
    expect(await limiter.take('alice', 2)).toBeUndefined();
    expect((await limiter.take('alice', 2))?.message).toContain('rate limit of 2 calls per minute');
  });

  it('counts again from zero when a limit comes back after going unused', async () => {
    const limiter = createRateLimiter();
    expect(await limiter.take('alice', 1)).toBeUndefined();
    vi.advanceTimersByTime(61_000);
    // Creating another limiter drops the idle one; its window had ended anyway.
    expect(await limiter.take('bob', 7)).toBeUndefined();
    expect(await limiter.take('alice', 1)).toBeUndefined();
    expect((await limiter.take('alice', 1))?.code).toBe('RATE_LIMITED');
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects a limit of %s', async (perMinute) => {
    await expect(createRateLimiter().take('alice', perMinute)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

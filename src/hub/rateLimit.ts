import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { FleetError } from '../errors/index.js';

/** Per-principal call budget, checked before each tool call the hub serves. */
export interface RateLimiter {
  /**
   * Consumes one call for this principal. Resolves undefined when allowed, or a
   * FleetError('RATE_LIMITED', `rate limit of N calls per minute reached; retry in S s`, {retry_after_s})
   * when not (returned, not thrown: a refusal is an ordinary tool result for the model to read).
   * Rejects with INVALID_ARGUMENT when `perMinute` is not a positive integer.
   */
  take(principal: string, perMinute: number): Promise<FleetError | undefined>;
}

const WINDOW_S = 60;
const WINDOW_MS = WINDOW_S * 1000;

type Slot = { limiter: RateLimiterMemory; lastUsedMs: number };

/**
 * Fixed one-minute windows in memory: a principal may spend its whole budget in a burst, then waits
 * for the window to end. One limiter per distinct `perMinute`, because principals have different
 * limits and a config reload may change them; a principal whose limit changes starts a fresh window
 * under the new limit. Counters expire with their window (the library's timers are unref'd), and
 * limiters unused for a whole window hold no live counter and are dropped, so memory stays bounded
 * by the principals and limits in use within the last minute.
 */
export function createRateLimiter(): RateLimiter {
  const limiters = new Map<number, Slot>();

  const limiterFor = (perMinute: number, nowMs: number): RateLimiterMemory => {
    const existing = limiters.get(perMinute);
    if (existing) {
      existing.lastUsedMs = nowMs;
      return existing.limiter;
    }
    for (const [points, slot] of limiters) {
      if (nowMs - slot.lastUsedMs > WINDOW_MS) limiters.delete(points);
    }
    const limiter = new RateLimiterMemory({ points: perMinute, duration: WINDOW_S });
    limiters.set(perMinute, { limiter, lastUsedMs: nowMs });
    return limiter;
  };

  return {
    async take(principal, perMinute) {
      if (!Number.isSafeInteger(perMinute) || perMinute < 1) {
        throw new FleetError('INVALID_ARGUMENT', `rate limit must be a positive integer, got ${perMinute}`, {
          per_minute: perMinute,
        });
      }
      // The library reads Date.now for its windows, so this does too (tests fake both at once).
      const limiter = limiterFor(perMinute, Date.now());
      try {
        await limiter.consume(principal, 1);
        return undefined;
      } catch (error) {
        // A refusal rejects with a RateLimiterRes; anything else is a real failure and propagates.
        if (!(error instanceof RateLimiterRes)) throw error;
        const retryAfterS = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        return new FleetError(
          'RATE_LIMITED',
          `rate limit of ${perMinute} calls per minute reached; retry in ${retryAfterS} s`,
          { retry_after_s: retryAfterS },
        );
      }
    },
  };
}

/** Restart pacing for a supervised downstream server. */
export interface BackoffOptions {
  /** Delay before the first retry after a failure. */
  initialMs: number;
  /** Ceiling the doubling stops at. */
  maxMs: number;
  /** A connection that stayed up this long counts as healthy: the next failure starts over at `initialMs`. */
  resetAfterMs?: number;
}

export interface Backoff {
  /** The delay before the next attempt; each call without a reset doubles it, up to `maxMs`. */
  next(): number;
  /** The longest delay, for failures that retrying soon cannot fix (a missing command, a refused token). */
  max(): number;
  /** Called when a connection ends: resets the doubling if it had stayed up for `resetAfterMs`. */
  connectionEnded(upForMs: number): void;
}

export const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 60_000, resetAfterMs: 60_000 } as const;

/**
 * Exponential backoff (initial ×2 up to max). The exponent is capped so a server that fails
 * for weeks cannot overflow the arithmetic into `Infinity` or `NaN`.
 */
export function createBackoff(options: BackoffOptions): Backoff {
  const initialMs = Math.max(0, options.initialMs);
  const maxMs = Math.max(initialMs, options.maxMs);
  const resetAfterMs = options.resetAfterMs ?? DEFAULT_BACKOFF.resetAfterMs;
  let failures = 0;
  return {
    next() {
      const delay = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 40));
      failures++;
      return delay;
    },
    max() {
      failures++;
      return maxMs;
    },
    connectionEnded(upForMs) {
      if (upForMs >= resetAfterMs) failures = 0;
    },
  };
}

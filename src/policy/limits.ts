import type { Policy } from './schema.js';

/**
 * The timeout, in milliseconds, for a call that asked for `requestedSeconds` (the policy default when
 * absent or NaN). The request is clamped to `limits.max_timeout_s` so a caller cannot hold a process
 * slot open longer than the operator allows, and to at least 1 ms so a zero or negative request still
 * yields a usable timer instead of "no timeout" (which is what 0 means to many APIs).
 */
export function resolveTimeoutMs(policy: Policy, requestedSeconds?: number): number {
  const { default_timeout_s, max_timeout_s } = policy.limits;
  const seconds =
    requestedSeconds === undefined || Number.isNaN(requestedSeconds) ? default_timeout_s : requestedSeconds;
  return Math.max(1, Math.round(Math.min(seconds, max_timeout_s) * 1000));
}

/**
 * The output cap, in bytes, for a call that asked for `requested` bytes: `min(requested, max)` with
 * `max = limits.max_output_bytes`, the max itself when absent or NaN, never negative, whole bytes.
 */
export function resolveOutputCap(policy: Policy, requested?: number): number {
  const max = policy.limits.max_output_bytes;
  if (requested === undefined || Number.isNaN(requested)) return max;
  return Math.max(0, Math.floor(Math.min(requested, max)));
}

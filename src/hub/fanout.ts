import { FleetError } from '../errors/index.js';

/** Why one device's part of a fan-out failed: a stable code to branch on, a message for humans. */
export interface FanoutError {
  code: string;
  message: string;
}

/** One device's outcome. `value` is set when `ok`, `error` when not; `duration_ms` is 0 if never started. */
export interface FanoutEntry<T> {
  device: string;
  ok: boolean;
  duration_ms: number;
  value?: T;
  error?: FanoutError;
}

export interface FanoutOptions {
  /** Max runs in flight at once (>= 1; `Infinity` for no bound). */
  concurrency: number;
  /** Per-device budget in ms; a non-finite or huge value means "only the overall deadline applies". */
  perDeviceTimeoutMs: (device: string) => number;
  /** Overall wall-clock deadline for the whole fan-out, in ms from the call. */
  deadlineMs: number;
  /** The client's cancellation. */
  signal?: AbortSignal;
  /** Clock for durations; default `performance.now`. */
  now?: () => number;
}

/**
 * setTimeout fires after ~1 ms for delays above 2^31-1 ms (Node warns and clamps), which would
 * turn a "practically infinite" timeout into an instant failure; such delays get no timer.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** A started device: when it started, the controller behind its signal, its timeout timer. */
interface Slot {
  at: number;
  controller: AbortController;
  timer?: NodeJS.Timeout;
}

/** Seconds for messages: `30`, `1.5`, `0.05`, never `1.5000000001`. */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

/** Maps whatever `run` rejected with to the entry's error; only FleetError codes are trusted. */
export function toFanoutError(error: unknown): FanoutError {
  if (error instanceof FleetError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

/**
 * Runs `run` on every device with at most `options.concurrency` in flight and resolves with one
 * entry per device, in input order. It never rejects for a device's failure (only for invalid
 * options), so one bad machine cannot hide the answers of the others.
 *
 * The signal given to `run` aborts (its `reason` is a FleetError) on the device's timeout, the
 * overall deadline or the caller's cancellation. The entry is settled at that moment as
 * `TIMEOUT`, `DEADLINE` or `CANCELLED` without waiting for `run`: a device that ignores its signal
 * must not hold the whole fan-out hostage. Later settlements of such a run are ignored. On the
 * deadline or cancellation devices not yet started are never started. Every timer and listener
 * is removed before the promise resolves.
 *
 * Hazard: a timed-out device frees its concurrency slot at once, so a `run` that ignores its
 * signal can leave more than `concurrency` operations actually running; honour the signal.
 */
export function fanOut<T>(
  devices: readonly string[],
  run: (device: string, signal: AbortSignal) => Promise<T>,
  options: FanoutOptions,
): Promise<FanoutEntry<T>[]> {
  const { concurrency, deadlineMs, signal } = options;
  if (!(concurrency >= 1)) {
    return Promise.reject(
      new FleetError('INVALID_ARGUMENT', `fan-out concurrency must be at least 1, got ${concurrency}`),
    );
  }
  if (Number.isNaN(deadlineMs)) {
    return Promise.reject(new FleetError('INVALID_ARGUMENT', 'fan-out deadline must be a number'));
  }
  const now = options.now ?? (() => performance.now());
  const count = devices.length;
  const entries: Array<FanoutEntry<T> | undefined> = new Array(count);
  const started: Array<Slot | undefined> = new Array(count);

  return new Promise((resolve) => {
    let next = 0;
    let inFlight = 0;
    let settled = 0;
    let finished = false;
    let deadlineTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      finished = true;
      if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
      signal?.removeEventListener('abort', onCancel);
      resolve(entries.map((entry, i) => entry ?? failure(i, 'INTERNAL', 'the fan-out lost this device')));
    };

    const failure = (index: number, code: string, message: string): FanoutEntry<T> => {
      const slot = started[index];
      return {
        device: devices[index] as string,
        ok: false,
        duration_ms: slot ? Math.max(0, now() - slot.at) : 0,
        error: { code, message },
      };
    };

    /** Records the first outcome for a device; any later one (a run finishing after its timeout) is dropped. */
    const settle = (index: number, entry: FanoutEntry<T>) => {
      if (finished || entries[index] !== undefined) return;
      entries[index] = entry;
      const slot = started[index];
      if (slot?.timer !== undefined) clearTimeout(slot.timer);
      inFlight -= 1;
      settled += 1;
      if (settled === count) finish();
      else pump();
    };

    /** Settles every unfinished device with `code`, aborting the running ones, and resolves now. */
    const stopAll = (code: 'DEADLINE' | 'CANCELLED', message: string) => {
      if (finished) return;
      const reason = new FleetError(code, message);
      for (let i = 0; i < count; i++) {
        if (entries[i] !== undefined) continue;
        entries[i] = failure(i, code, message);
        const slot = started[i];
        if (slot === undefined) continue;
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.controller.abort(reason);
      }
      finish();
    };

    const start = (index: number) => {
      const device = devices[index] as string;
      const controller = new AbortController();
      const slot: Slot = { at: now(), controller };
      started[index] = slot;
      inFlight += 1;
      let promise: Promise<T>;
      try {
        const timeoutMs = Math.max(0, options.perDeviceTimeoutMs(device));
        if (timeoutMs <= MAX_TIMER_MS) {
          slot.timer = setTimeout(() => {
            const message = `no answer within ${seconds(timeoutMs)} s`;
            controller.abort(new FleetError('TIMEOUT', message, { device }));
            settle(index, failure(index, 'TIMEOUT', message));
          }, timeoutMs);
        }
        promise = Promise.resolve(run(device, controller.signal));
      } catch (error) {
        // A synchronous throw is the same failure as a rejection, and settles asynchronously like one,
        // so settle() never re-enters pump() from inside pump().
        promise = Promise.reject(error);
      }
      promise.then(
        (value) => settle(index, { device, ok: true, duration_ms: Math.max(0, now() - slot.at), value }),
        (error: unknown) => {
          const { code, message } = toFanoutError(error);
          settle(index, failure(index, code, message));
        },
      );
    };

    function pump() {
      while (!finished && inFlight < concurrency && next < count) {
        const index = next;
        next += 1;
        start(index);
      }
    }

    function onCancel() {
      stopAll('CANCELLED', 'the fan-out was cancelled by the client');
    }

    if (count === 0) {
      finish();
      return;
    }
    if (signal?.aborted) {
      onCancel();
      return;
    }
    const deadlineMessage = `the fan-out deadline (${seconds(Math.max(0, deadlineMs))} s) passed first`;
    if (deadlineMs <= 0) {
      stopAll('DEADLINE', deadlineMessage);
      return;
    }
    signal?.addEventListener('abort', onCancel, { once: true });
    if (deadlineMs <= MAX_TIMER_MS) {
      deadlineTimer = setTimeout(() => stopAll('DEADLINE', deadlineMessage), deadlineMs);
    }
    pump();
  });
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors/index.js';
import type { FanoutOptions } from './fanout.js';
import { fanOut, toFanoutError } from './fanout.js';

/** Never settles: stands for a device that ignores its signal. */
const hang = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('fanOut (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = (overrides: Partial<FanoutOptions> = {}): FanoutOptions => ({
    concurrency: 4,
    perDeviceTimeoutMs: () => 10_000,
    deadlineMs: 60_000,
    now: () => Date.now(),
    ...overrides,
  });

  it('returns one entry per device in input order, whatever order they finish in', async () => {
    const devices = ['a', 'b', 'c', 'd'];
    const delays: Record<string, number> = { a: 40, b: 10, c: 30, d: 20 };
    const done = fanOut(
      devices,
      async (device) => {
        await sleep(delays[device] ?? 0);
        return device.toUpperCase();
      },
      options(),
    );
    await vi.advanceTimersByTimeAsync(40);
    const entries = await done;
    expect(entries.map((e) => [e.device, e.ok, e.value, e.duration_ms])).toEqual([
      ['a', true, 'A', 40],
      ['b', true, 'B', 10],
      ['c', true, 'C', 30],
      ['d', true, 'D', 20],
    ]);
    expect(entries.every((e) => e.error === undefined)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never has more than `concurrency` runs in flight, and runs them all', async () => {
    const devices = Array.from({ length: 11 }, (_, i) => `d${i}`);
    let inFlight = 0;
    let maxInFlight = 0;
    const startedOrder: string[] = [];
    const done = fanOut(
      devices,
      async (device) => {
        startedOrder.push(device);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(10 + (Number(device.slice(1)) % 4) * 7);
        inFlight -= 1;
        return device;
      },
      options({ concurrency: 3 }),
    );
    expect(startedOrder).toEqual(['d0', 'd1', 'd2']);
    await vi.advanceTimersByTimeAsync(1000);
    const entries = await done;
    expect(maxInFlight).toBe(3);
    expect(startedOrder).toEqual(devices);
    expect(entries.map((e) => e.value)).toEqual(devices);
  });

  it('settles a device that ignores its signal at its timeout, aborting the signal', async () => {
    const signals = new Map<string, AbortSignal>();
    const done = fanOut(
      ['fast', 'stuck'],
      (device, signal) => {
        signals.set(device, signal);
        return device === 'stuck' ? hang() : Promise.resolve('ok');
      },
      options({ perDeviceTimeoutMs: (device) => (device === 'stuck' ? 1500 : 10_000) }),
    );
    await vi.advanceTimersByTimeAsync(1500);
    const entries = await done;
    expect(entries[0]).toMatchObject({ device: 'fast', ok: true, value: 'ok' });
    expect(entries[1]).toEqual({
      device: 'stuck',
      ok: false,
      duration_ms: 1500,
      error: { code: 'TIMEOUT', message: 'no answer within 1.5 s' },
    });
    const stuck = signals.get('stuck');
    expect(stuck?.aborted).toBe(true);
    expect(stuck?.reason).toMatchObject({ code: 'TIMEOUT' });
    expect(signals.get('fast')?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('frees the slot of a timed-out device for the next one', async () => {
    const calls: string[] = [];
    const done = fanOut(
      ['stuck', 'next'],
      (device) => {
        calls.push(device);
        return device === 'stuck' ? hang() : Promise.resolve(1);
      },
      options({ concurrency: 1, perDeviceTimeoutMs: () => 100 }),
    );
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toEqual(['stuck']);
    await vi.advanceTimersByTimeAsync(1);
    const entries = await done;
    expect(calls).toEqual(['stuck', 'next']);
    expect(entries.map((e) => e.error?.code ?? 'ok')).toEqual(['TIMEOUT', 'ok']);
  });

  it('ignores a run that settles after its timeout', async () => {
    const done = fanOut(
      ['late-ok', 'late-fail'],
      async (device) => {
        await sleep(500);
        if (device === 'late-fail') throw new Error('too late to matter');
        return 'value';
      },
      options({ perDeviceTimeoutMs: () => 100 }),
    );
    await vi.advanceTimersByTimeAsync(100);
    const entries = await done;
    await vi.advanceTimersByTimeAsync(500);
    expect(entries.map((e) => e.error?.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(entries[0]?.value).toBeUndefined();
  });

  it('at the deadline settles running and unstarted devices, and never starts the latter', async () => {
    const calls: string[] = [];
    const signals: AbortSignal[] = [];
    const done = fanOut(
      ['quick', 'stuck', 'never-1', 'never-2'],
      (device, signal) => {
        calls.push(device);
        signals.push(signal);
        return device === 'quick' ? Promise.resolve('done') : hang();
      },
      options({ concurrency: 2, deadlineMs: 2000 }),
    );
    // `quick` finishing starts `never-1`, which also hangs; `never-2` waits for a slot.
    await vi.advanceTimersByTimeAsync(2000);
    const entries = await done;
    expect(calls).toEqual(['quick', 'stuck', 'never-1']);
    const message = 'the fan-out deadline (2 s) passed first';
    expect(entries).toEqual([
      { device: 'quick', ok: true, duration_ms: 0, value: 'done' },
      { device: 'stuck', ok: false, duration_ms: 2000, error: { code: 'DEADLINE', message } },
      { device: 'never-1', ok: false, duration_ms: 2000, error: { code: 'DEADLINE', message } },
      { device: 'never-2', ok: false, duration_ms: 0, error: { code: 'DEADLINE', message } },
    ]);
    expect(signals.map((s) => s.aborted)).toEqual([false, true, true]);
    expect(signals[1]?.reason).toMatchObject({ code: 'DEADLINE' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats a non-positive deadline as already passed and starts nothing', async () => {
    const run = vi.fn(hang);
    const entries = await fanOut(['a', 'b'], run, options({ deadlineMs: 0 }));
    expect(run).not.toHaveBeenCalled();
    expect(entries.map((e) => e.error?.code)).toEqual(['DEADLINE', 'DEADLINE']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves promptly on cancellation, without advancing time', async () => {
    const client = new AbortController();
    const removeListener = vi.spyOn(client.signal, 'removeEventListener');
    const calls: string[] = [];
    let stuckSignal: AbortSignal | undefined;
    const done = fanOut(
      ['stuck', 'waiting'],
      (device, signal) => {
        calls.push(device);
        stuckSignal = signal;
        return hang();
      },
      options({ concurrency: 1, signal: client.signal }),
    );
    client.abort();
    const entries = await done;
    const message = 'the fan-out was cancelled by the client';
    expect(entries).toEqual([
      { device: 'stuck', ok: false, duration_ms: 0, error: { code: 'CANCELLED', message } },
      { device: 'waiting', ok: false, duration_ms: 0, error: { code: 'CANCELLED', message } },
    ]);
    expect(calls).toEqual(['stuck']);
    expect(stuckSignal?.reason).toMatchObject({ code: 'CANCELLED' });
    expect(removeListener).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts nothing when the caller has already cancelled', async () => {
    const client = new AbortController();
    client.abort();
    const run = vi.fn(async () => 1);
    const entries = await fanOut(['a'], run, options({ signal: client.signal }));
    expect(run).not.toHaveBeenCalled();
    expect(entries[0]?.error?.code).toBe('CANCELLED');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('maps failures: FleetError keeps its code, anything else is INTERNAL', async () => {
    const entries = await fanOut(
      ['down', 'bug', 'string'],
      async (device) => {
        if (device === 'down') throw new FleetError('DEVICE_DOWN', 'down since 10:02');
        if (device === 'bug') throw new TypeError('x is undefined');
        throw 'plain string';
      },
      options(),
    );
    expect(entries.map((e) => [e.ok, e.error])).toEqual([
      [false, { code: 'DEVICE_DOWN', message: 'down since 10:02' }],
      [false, { code: 'INTERNAL', message: 'x is undefined' }],
      [false, { code: 'INTERNAL', message: 'plain string' }],
    ]);
    const sync = await fanOut(
      ['a'],
      () => {
        throw new Error('thrown before any promise');
      },
      options(),
    );
    expect(sync[0]?.error).toEqual({ code: 'INTERNAL', message: 'thrown before any promise' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats a per-device timeout callback that throws as that device failing', async () => {
    const run = vi.fn(async () => 1);
    const entries = await fanOut(
      ['a', 'b'],
      run,
      options({
        perDeviceTimeoutMs: (device) => {
          if (device === 'a') throw new Error('no timeout for a');
          return 100;
        },
      }),
    );
    expect(entries.map((e) => e.error?.code ?? 'ok')).toEqual(['INTERNAL', 'ok']);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('sets no timer for an unbounded per-device timeout; the deadline still applies', async () => {
    const done = fanOut(
      ['a'],
      hang,
      options({ perDeviceTimeoutMs: () => Number.POSITIVE_INFINITY, deadlineMs: 50 }),
    );
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect((await done)[0]?.error?.code).toBe('DEADLINE');
  });

  it('resolves an empty device list at once with no timers', async () => {
    expect(await fanOut([], hang, options())).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a concurrency below 1', async () => {
    await expect(fanOut(['a'], hang, options({ concurrency: 0 }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(fanOut(['a'], hang, options({ concurrency: Number.NaN }))).rejects.toBeInstanceOf(
      FleetError,
    );
  });
});

describe('fanOut (real timers)', () => {
  it('returns at the timeout even though the run never settles', async () => {
    const entries = await fanOut(['stuck', 'fine'], (d) => (d === 'stuck' ? hang() : Promise.resolve(d)), {
      concurrency: 2,
      perDeviceTimeoutMs: () => 20,
      deadlineMs: 60_000,
    });
    expect(entries.map((e) => e.error?.code ?? e.value)).toEqual(['TIMEOUT', 'fine']);
    expect(entries[0]?.duration_ms).toBeGreaterThan(0);
  });
});

describe('toFanoutError', () => {
  it('keeps FleetError codes and messages only', () => {
    expect(toFanoutError(new FleetError('POLICY_DENIED', 'not allowed'))).toEqual({
      code: 'POLICY_DENIED',
      message: 'not allowed',
    });
    expect(toFanoutError(Object.assign(new Error('boom'), { code: 'ENOENT' }))).toEqual({
      code: 'INTERNAL',
      message: 'boom',
    });
    expect(toFanoutError(undefined)).toEqual({ code: 'INTERNAL', message: 'undefined' });
  });
});

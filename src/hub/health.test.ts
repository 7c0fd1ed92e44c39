import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import type { DeviceHealth, DeviceState, HealthMonitorDeps, Timer } from './health.js';
import { createHealthMonitor } from './health.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(START + ms).toISOString();

/** Lets promise callbacks (probe outcomes) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

type FakeTimer = { at: number; ms: number; seq: number; fn: () => void };

/** A manual clock: timers fire only inside `advance`, in time order, with `now` set to their due time. */
function fakeClock() {
  let t = START;
  let seq = 0;
  const timers: FakeTimer[] = [];
  return {
    now: () => t,
    elapsed: () => t - START,
    setTimer(fn: () => void, ms: number): Timer {
      const timer = { at: t + ms, ms, seq: seq++, fn };
      timers.push(timer);
      return {
        cancel: () => {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
        },
      };
    },
    pending: () => timers.length,
    async advance(ms: number) {
      const end = t + ms;
      for (let i = 0; i < 10_000; i++) {
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        t = due.at;
        due.fn();
        await flush();
      }
      t = end;
      await flush();
    },
  };
}

type ProbeCall = {
  device: string;
  signal: AbortSignal;
  at: number;
  done: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
};

function setup(overrides: Partial<HealthMonitorDeps> = {}, answer?: (device: string) => Promise<void>) {
  const clock = fakeClock();
  const calls: ProbeCall[] = [];
  const changes: Array<[string, DeviceState, DeviceState]> = [];
  const monitor = createHealthMonitor({
    probe(device, signal) {
      if (answer) {
        calls.push({ device, signal, at: clock.elapsed(), done: true, resolve() {}, reject() {} });
        return answer(device);
      }
      return new Promise<void>((resolve, reject) => {
        const call: ProbeCall = {
          device,
          signal,
          at: clock.elapsed(),
          done: false,
          resolve: () => {
            call.done = true;
            resolve();
          },
          reject: (error) => {
            call.done = true;
            reject(error);
          },
        };
        calls.push(call);
      });
    },
    intervalMs: 10_000,
    timeoutMs: 5_000,
    downAfter: 2,
    maxBackoffMs: 60_000,
    slowMs: 2_000,
    now: clock.now,
    random: () => 0.5,
    setTimer: clock.setTimer,
    onChange: (device: string, health: DeviceHealth, previous: DeviceState) => {
      changes.push([device, previous, health.state]);
    },
    ...overrides,
  });
  const open = (device?: string) =>
    calls.filter((c) => !c.done && (device === undefined || c.device === device));
  /** Settles the one open probe of `device`. */
  const answerOpen = async (device: string, error?: unknown) => {
    const [call] = open(device);
    if (!call) throw new Error(`no open probe of ${device}`);
    if (error === undefined) call.resolve();
    else call.reject(error);
    await flush();
  };
  return { monitor, clock, calls, changes, open, answerOpen };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('createHealthMonitor: state', () => {
  it('starts new devices unknown and probes them within a second', async () => {
    const { monitor, clock, calls, open } = setup();
    monitor.sync(['a', 'b']);
    expect(monitor.get('a')).toEqual({
      state: 'unknown',
      since: at(0),
      last_seen: null,
      latency_ms: null,
      last_error: null,
      consecutive_failures: 0,
    });
    await clock.advance(499);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(open().map((c) => c.device)).toEqual(['a', 'b']);
  });

  it('marks an answering device up with last_seen and latency, and reports the transition', async () => {
    const { monitor, clock, changes, answerOpen } = setup();
    monitor.sync(['a']);
    await clock.advance(500);
    await clock.advance(120);
    await answerOpen('a');
    expect(monitor.get('a')).toEqual({
      state: 'up',
      since: at(620),
      last_seen: at(620),
      latency_ms: 120,
      last_error: null,
      consecutive_failures: 0,
    });
    expect(changes).toEqual([['a', 'unknown', 'up']]);
  });

  it('marks a slow answer degraded', async () => {
    const { monitor, clock, answerOpen } = setup();
    monitor.sync(['a']);
    await clock.advance(500);
    await clock.advance(3_000);
    await answerOpen('a');
    expect(monitor.get('a')).toMatchObject({ state: 'degraded', latency_ms: 3_000, consecutive_failures: 0 });
  });

  it('goes degraded on a failure, down after downAfter; since changes only on transitions', async () => {
    const { monitor, clock, changes, answerOpen } = setup({ downAfter: 3 });
    monitor.sync(['a']);
    await clock.advance(500);
    await answerOpen('a', new Error('bad gateway'));
    expect(monitor.get('a')).toMatchObject({
      state: 'degraded',
      since: at(500),
      last_error: 'bad gateway',
      consecutive_failures: 1,
    });
    await clock.advance(10_000);
    await answerOpen('a', new Error('bad gateway again'));
    expect(monitor.get('a')).toMatchObject({ state: 'degraded', since: at(500), consecutive_failures: 2 });
    await clock.advance(10_000);
    await answerOpen('a', new Error('still bad'));
    expect(monitor.get('a')).toMatchObject({ state: 'down', since: at(20_500), consecutive_failures: 3 });
    expect(changes).toEqual([
      ['a', 'unknown', 'degraded'],
      ['a', 'degraded', 'down'],
    ]);
  });

  it('marks an unreachable device down at once, naming the error code', async () => {
    const { monitor, clock, answerOpen } = setup({ downAfter: 5 });
    monitor.sync(['a']);
    await clock.advance(500);
    await answerOpen('a', new TypeError('fetch failed', { cause: refused() }));
    expect(monitor.get('a')).toMatchObject({
      state: 'down',
      last_error: 'fetch failed (ECONNREFUSED)',
      consecutive_failures: 1,
    });
  });

  it('keeps a down device down on a later ordinary failure', async () => {
    const { monitor, clock, answerOpen } = setup({ downAfter: 5 });
    monitor.sync(['a']);
    await clock.advance(500);
    await answerOpen('a', refused());
    await clock.advance(10_000);
    await answerOpen('a', new Error('slow'));
    expect(monitor.get('a')).toMatchObject({ state: 'down', consecutive_failures: 2, since: at(500) });
  });

  it('fails a probe that does not answer in time and aborts it', async () => {
    const { monitor, clock, calls } = setup();
    monitor.sync(['a']);
    await clock.advance(500);
    await clock.advance(4_999);
    expect(monitor.get('a')?.state).toBe('unknown');
    await clock.advance(1);
    expect(monitor.get('a')).toMatchObject({ state: 'degraded', last_error: 'no answer within 5 s' });
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('keeps control characters out of last_error', async () => {
    const { monitor, clock, answerOpen } = setup();
    monitor.sync(['a']);
    await clock.advance(500);
    await answerOpen('a', new Error('line one\nline two'));
    expect(monitor.get('a')?.last_error).toBe('line one\\u{000A}line two');
  });
});

describe('createHealthMonitor: schedule', () => {
  it('probes an up device every interval, with jitter of at most 10%', async () => {
    for (const [random, gap] of [
      [0.5, 10_000],
      [0, 9_000],
      [1, 11_000],
    ] as const) {
      const { monitor, clock, calls } = setup({ random: () => random }, async () => {});
      monitor.sync(['a']);
      await clock.advance(40_000);
      const times = calls.map((c) => c.at);
      expect(times.length).toBeGreaterThan(2);
      expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual(times.slice(1).map(() => gap));
      monitor.stop();
    }
  });

  it('backs off exponentially while down, up to the cap', async () => {
    const { monitor, clock, calls } = setup({ intervalMs: 1_000, maxBackoffMs: 5_000, downAfter: 2 }, () =>
      Promise.reject(new Error('no')),
    );
    monitor.sync(['a']);
    await clock.advance(20_000);
    const times = calls.map((c) => c.at);
    expect(times).toEqual([500, 1_500, 2_500, 4_500, 8_500, 13_500, 18_500]);
    expect(monitor.get('a')).toMatchObject({ state: 'down', consecutive_failures: 7 });
  });

  it('recovers by itself when a probe of a down device succeeds, and returns to the interval', async () => {
    let failing = true;
    const { monitor, clock, calls, changes } = setup({ intervalMs: 1_000, downAfter: 1 }, () =>
      failing ? Promise.reject(refused()) : Promise.resolve(),
    );
    monitor.sync(['a']);
    await clock.advance(500);
    await clock.advance(3_000); // probes at 1 500 (k=1, next in 2 s) → 3 500
    expect(monitor.get('a')).toMatchObject({ state: 'down', consecutive_failures: 3 });
    failing = false;
    await clock.advance(4_000); // next at 3 500 + 4 000
    expect(monitor.get('a')).toMatchObject({ state: 'up', consecutive_failures: 0, last_error: null });
    expect(changes).toEqual([
      ['a', 'unknown', 'down'],
      ['a', 'down', 'up'],
    ]);
    const before = calls.length;
    await clock.advance(1_000);
    expect(calls.length).toBe(before + 1);
  });

  it('never runs more probes at once than maxConcurrentProbes', async () => {
    const { monitor, clock, open, answerOpen } = setup({ maxConcurrentProbes: 2 });
    monitor.sync(['a', 'b', 'c', 'd', 'e']);
    await clock.advance(1_000);
    expect(open().map((c) => c.device)).toEqual(['a', 'b']);
    await answerOpen('a');
    expect(open().map((c) => c.device)).toEqual(['b', 'c']);
    await answerOpen('b');
    await answerOpen('c');
    await answerOpen('d');
    expect(open().map((c) => c.device)).toEqual(['e']);
  });

  it('frees a slot when a probe times out even if the probe ignores its signal', async () => {
    const { monitor, clock, open } = setup({ maxConcurrentProbes: 1 });
    monitor.sync(['a', 'b']);
    await clock.advance(500);
    expect(open().map((c) => c.device)).toEqual(['a']);
    await clock.advance(5_000);
    expect(open().map((c) => c.device)).toEqual(['a', 'b']);
  });
});

describe('createHealthMonitor: gate and record', () => {
  it('gates a down device with when and why, and lets others through', async () => {
    const { monitor, clock, answerOpen } = setup({ downAfter: 1 });
    monitor.sync(['a', 'b']);
    expect(monitor.gate('a')).toBeUndefined();
    await clock.advance(500);
    await answerOpen('a', new Error('connection refused'));
    await answerOpen('b');
    const error = monitor.gate('a');
    expect(error).toBeInstanceOf(FleetError);
    expect(error?.code).toBe('DEVICE_DOWN');
    expect(error?.message).toBe(`down since ${at(500)}: connection refused`);
    expect(error?.data).toEqual({ device: 'a', since: at(500) });
    expect(monitor.gate('b')).toBeUndefined();
    expect(monitor.gate('nope')).toBeUndefined();
  });

  it('counts a successful call as a heartbeat and postpones the next probe', async () => {
    const { monitor, clock, calls, changes } = setup();
    monitor.sync(['a']);
    await clock.advance(100);
    monitor.record('a', { ok: true, latencyMs: 42 });
    expect(monitor.get('a')).toMatchObject({ state: 'up', last_seen: at(100), latency_ms: 42 });
    expect(changes).toEqual([['a', 'unknown', 'up']]);
    await clock.advance(9_999);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(calls).toHaveLength(1);
  });

  it('takes a device down on an unreachable call and brings it back on a successful one', () => {
    const { monitor, changes } = setup({ downAfter: 3 });
    monitor.sync(['a']);
    monitor.record('a', { ok: false, error: 'ECONNRESET', unreachable: true });
    expect(monitor.get('a')).toMatchObject({ state: 'down', last_error: 'ECONNRESET' });
    expect(monitor.gate('a')?.code).toBe('DEVICE_DOWN');
    monitor.record('a', { ok: true, latencyMs: 5_000 });
    expect(monitor.get('a')).toMatchObject({ state: 'degraded', consecutive_failures: 0 });
    expect(monitor.gate('a')).toBeUndefined();
    expect(changes.map(([, from, to]) => `${from}>${to}`)).toEqual(['unknown>down', 'down>degraded']);
  });

  it('counts failed calls toward downAfter', () => {
    const { monitor } = setup({ downAfter: 2 });
    monitor.sync(['a']);
    monitor.record('a', { ok: false, error: 'tool crashed', unreachable: false });
    expect(monitor.get('a')?.state).toBe('degraded');
    monitor.record('a', { ok: false, error: 'tool crashed', unreachable: false });
    expect(monitor.get('a')?.state).toBe('down');
  });

  it('ignores outcomes for devices it does not track', () => {
    const { monitor, changes } = setup();
    monitor.record('ghost', { ok: true, latencyMs: 1 });
    expect(monitor.get('ghost')).toBeUndefined();
    expect(changes).toEqual([]);
  });
});

describe('createHealthMonitor: sync, probeNow, stop', () => {
  it('forgets removed devices, aborts their probe, and keeps the state of the rest', async () => {
    const { monitor, clock, calls, answerOpen } = setup();
    monitor.sync(['a', 'b']);
    await clock.advance(500);
    await answerOpen('a');
    monitor.sync(['a', 'c']);
    expect(monitor.get('b')).toBeUndefined();
    expect(calls.find((c) => c.device === 'b')?.signal.aborted).toBe(true);
    expect(monitor.get('a')?.state).toBe('up');
    expect(monitor.get('c')?.state).toBe('unknown');
    await clock.advance(60_000);
    expect(calls.filter((c) => c.device === 'b')).toHaveLength(1);
  });

  it('probes now, ahead of the schedule, and returns the new health', async () => {
    const { monitor, answerOpen, calls } = setup();
    monitor.sync(['a']);
    const health = monitor.probeNow('a');
    await flush();
    expect(calls).toHaveLength(1);
    await answerOpen('a');
    await expect(health).resolves.toMatchObject({ state: 'up' });
  });

  it('never runs two probes of one device at once', async () => {
    const { monitor, calls, answerOpen } = setup();
    monitor.sync(['a']);
    const first = monitor.probeNow('a');
    const second = monitor.probeNow('a');
    expect(second).toBe(first);
    await flush();
    expect(calls).toHaveLength(1);
    await answerOpen('a', new Error('nope'));
    await expect(first).resolves.toMatchObject({ state: 'degraded' });
  });

  it('puts probeNow ahead of queued scheduled probes', async () => {
    const { monitor, clock, open, answerOpen } = setup({ maxConcurrentProbes: 1 });
    monitor.sync(['a', 'b', 'c']);
    await clock.advance(500);
    void monitor.probeNow('c');
    await answerOpen('a');
    expect(open().map((c) => c.device)).toEqual(['c']);
  });

  it('rejects probeNow for a device it does not track, or one removed before its probe ran', async () => {
    const { monitor } = setup({ maxConcurrentProbes: 1 });
    await expect(monitor.probeNow('ghost')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    monitor.sync(['a', 'b']);
    void monitor.probeNow('a');
    const pending = monitor.probeNow('b');
    monitor.sync(['a']);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('stops: cancels timers, aborts probes in flight, and schedules nothing after', async () => {
    const { monitor, clock, calls, changes } = setup();
    monitor.sync(['a', 'b']);
    await clock.advance(500);
    const inFlight = monitor.probeNow('a');
    monitor.stop();
    expect(clock.pending()).toBe(0);
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    await expect(inFlight).rejects.toMatchObject({ code: 'CANCELLED' });
    for (const call of calls) call.resolve();
    await flush();
    monitor.record('a', { ok: true, latencyMs: 1 });
    expect(clock.pending()).toBe(0);
    await clock.advance(600_000);
    expect(clock.pending()).toBe(0);
    expect(calls).toHaveLength(2);
    expect(changes).toEqual([['a', 'unknown', 'up']]);
    await expect(monitor.probeNow('a')).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('rejects settings that would break the schedule', () => {
    expect(() => setup({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => setup({ downAfter: 1.5 })).toThrow(/downAfter/);
    expect(() => setup({ maxConcurrentProbes: 0 })).toThrow(/maxConcurrentProbes/);
  });

  it('runs on its default timers and stops them', async () => {
    let probes = 0;
    const monitor = createHealthMonitor({
      probe: async () => {
        probes++;
      },
      intervalMs: 1,
      timeoutMs: 1_000,
      downAfter: 2,
      maxBackoffMs: 10,
      slowMs: 1_000,
    });
    monitor.sync(['a']);
    for (let i = 0; i < 1_000 && monitor.get('a')?.state !== 'up'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(monitor.get('a')?.state).toBe('up');
    monitor.stop();
    const after = probes;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(probes).toBe(after);
  });
});

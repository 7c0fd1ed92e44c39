import { FleetError } from '../errors/index.js';
import { forDisplay } from '../policy/decision.js';
import { describeError, isUnreachable } from './unreachable.js';

export type DeviceState = 'unknown' | 'up' | 'degraded' | 'down';

/** What the hub knows about one device's presence; each update is a new object, never mutated. */
export interface DeviceHealth {
  state: DeviceState;
  /** ISO time the device entered this state. */
  since: string;
  /** ISO time of the last successful probe or call. */
  last_seen: string | null;
  /** Of the last successful probe or call. */
  latency_ms: number | null;
  last_error: string | null;
  consecutive_failures: number;
}

export type CallOutcome =
  | { ok: true; latencyMs: number }
  | {
      ok: false;
      error: string;
      /** Connection refused/reset/DNS: the device is not there. */
      unreachable: boolean;
    };

export interface Timer {
  cancel(): void;
}

export interface HealthMonitorDeps {
  /** One probe (the hub sends an MCP ping); resolves when the device answered, rejects otherwise. */
  probe(device: string, signal: AbortSignal): Promise<void>;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures that make a device down (an unreachable one is down at once). */
  downAfter: number;
  maxBackoffMs: number;
  /** An answer slower than this marks the device degraded. */
  slowMs: number;
  /** Max probes in flight at once across all devices (default 32): 1,000 devices never probe in one burst. */
  maxConcurrentProbes?: number;
  /** Epoch ms, default Date.now. */
  now?: () => number;
  /** For jitter, default Math.random. */
  random?: () => number;
  /** Default wraps setTimeout + unref(), so the heartbeat never keeps the process alive. */
  setTimer?: (fn: () => void, ms: number) => Timer;
  /** Called on state transitions only; its errors are ignored so a listener cannot stop the heartbeat. */
  onChange?: (device: string, health: DeviceHealth, previous: DeviceState) => void;
}

export interface HealthMonitor {
  /**
   * Tracks exactly these devices: new ones start `unknown` and get a first probe soon (spread with
   * jitter over at most 1 s), removed ones stop being probed and are forgotten. Existing ones keep
   * their state.
   */
  sync(devices: readonly string[]): void;
  get(device: string): DeviceHealth | undefined;
  /** Before a call: FleetError('DEVICE_DOWN', `down since <ISO>: <last error>`, {device, since}) if down. */
  gate(device: string): FleetError | undefined;
  /** Feeds a real call's outcome into the state (a call that just succeeded counts as a heartbeat). */
  record(device: string, outcome: CallOutcome): void;
  /**
   * Probes now (bypassing the schedule, ahead of queued probes) and returns the new health; joins a
   * probe already under way. Rejects NOT_FOUND for an untracked device, CANCELLED when the device is
   * removed or the monitor stopped first.
   */
  probeNow(device: string): Promise<DeviceHealth>;
  /** Cancels all timers and aborts probes in flight; nothing is scheduled afterwards. */
  stop(): void;
}

const DEFAULT_MAX_CONCURRENT_PROBES = 32;
const UNKNOWN: Omit<DeviceHealth, 'since'> = {
  state: 'unknown',
  last_seen: null,
  latency_ms: null,
  last_error: null,
  consecutive_failures: 0,
};
const FIRST_PROBE_SPREAD_MS = 1000;
const JITTER = 0.1;
/** setTimeout fires at once for delays above this (2^31 - 1 ms), so longer ones are clamped. */
const MAX_TIMER_MS = 2_147_483_647;

function defaultSetTimer(fn: () => void, ms: number): Timer {
  const handle = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
}

/** A probe queued or running for one device; at most one per device at a time. */
type Probe = {
  promise: Promise<DeviceHealth>;
  resolve: (health: DeviceHealth) => void;
  reject: (error: FleetError) => void;
  /** Set while running: settles the probe as abandoned, aborting it and freeing its slot. */
  abandon?: (error: FleetError) => void;
};

type Entry = { device: string; health: DeviceHealth; timer?: Timer; probe?: Probe };

/** Bad settings would make the schedule spin (0 ms) or never fire (NaN), so they are refused up front. */
function requirePositive(settings: Record<string, number>, integers: readonly string[]): void {
  for (const [name, value] of Object.entries(settings)) {
    if (Number.isFinite(value) && value > 0 && (!integers.includes(name) || Number.isInteger(value)))
      continue;
    throw new FleetError('INVALID_ARGUMENT', `${name} must be a positive number`, { [name]: value });
  }
}

/**
 * Heartbeat for the fleet: probes each device on a jittered schedule (exponential backoff while it
 * is down), turns probe and call outcomes into up/degraded/down, and lets calls to a down device
 * fail fast through `gate` instead of each waiting for its own timeout.
 */
export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const { intervalMs, timeoutMs, downAfter, maxBackoffMs, slowMs } = deps;
  const maxConcurrent = deps.maxConcurrentProbes ?? DEFAULT_MAX_CONCURRENT_PROBES;
  const integers = ['downAfter', 'maxConcurrentProbes'];
  requirePositive(
    { intervalMs, timeoutMs, maxBackoffMs, downAfter, maxConcurrentProbes: maxConcurrent },
    integers,
  );
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const setTimer = deps.setTimer ?? defaultSetTimer;
  // A down device is never probed more often than an up one, even if maxBackoffMs < intervalMs.
  const backoffCap = Math.max(maxBackoffMs, intervalMs);
  const timeoutText = `no answer within ${Number((timeoutMs / 1000).toFixed(3))} s`;

  const entries = new Map<string, Entry>();
  // Waiting for a probe slot; `urgent` (probeNow) goes first. Each entry is in at most one.
  const urgent = new Set<Entry>();
  const waiting = new Set<Entry>();
  let running = 0;
  let stopped = false;

  const iso = () => new Date(now()).toISOString();
  const jitter = (ms: number) => ms * (1 - JITTER + 2 * JITTER * random());
  const isCurrent = (entry: Entry) => !stopped && entries.get(entry.device) === entry;

  function nextDelay(health: DeviceHealth): number {
    if (health.state !== 'down') return jitter(intervalMs);
    const k = Math.max(0, health.consecutive_failures - downAfter);
    return Math.min(backoffCap, jitter(Math.min(backoffCap, intervalMs * 2 ** k)));
  }

  function schedule(entry: Entry, delayMs: number): void {
    entry.timer?.cancel();
    entry.timer = undefined;
    // A probe under way reschedules when it settles.
    if (stopped || entry.probe) return;
    entry.timer = setTimer(() => {
      entry.timer = undefined;
      if (isCurrent(entry) && !entry.probe) enqueue(entry, false);
    }, delayMs);
  }

  function apply(entry: Entry, outcome: CallOutcome): DeviceState {
    const previous = entry.health;
    const at = iso();
    let next: DeviceHealth;
    if (outcome.ok) {
      next = {
        state: outcome.latencyMs > slowMs ? 'degraded' : 'up',
        since: previous.since,
        last_seen: at,
        latency_ms: outcome.latencyMs,
        last_error: null,
        consecutive_failures: 0,
      };
    } else {
      const failures = previous.consecutive_failures + 1;
      // Once down, only a success brings a device back: a later slow failure must not flip it to degraded.
      const down = previous.state === 'down' || outcome.unreachable || failures >= downAfter;
      next = {
        ...previous,
        state: down ? 'down' : 'degraded',
        last_error: forDisplay(outcome.error, 200),
        consecutive_failures: failures,
      };
    }
    if (next.state !== previous.state) next.since = at;
    entry.health = next;
    return previous.state;
  }

  function notify(entry: Entry, previous: DeviceState): void {
    if (entry.health.state === previous || !deps.onChange) return;
    try {
      deps.onChange(entry.device, entry.health, previous);
    } catch {
      // See HealthMonitorDeps.onChange: a listener's bug must not stop probing.
    }
  }

  function enqueue(entry: Entry, isUrgent: boolean): Probe {
    let probe = entry.probe;
    if (!probe) {
      let resolve!: (health: DeviceHealth) => void;
      let reject!: (error: FleetError) => void;
      const promise = new Promise<DeviceHealth>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Scheduled probes have no listener; a rejection (removal, stop) must not be an unhandled one.
      promise.catch(() => undefined);
      probe = { promise, resolve, reject };
      entry.probe = probe;
      entry.timer?.cancel();
      entry.timer = undefined;
      waiting.add(entry);
    }
    if (isUrgent && waiting.delete(entry)) urgent.add(entry);
    pump();
    return probe;
  }

  function pump(): void {
    while (!stopped && running < maxConcurrent) {
      const entry = urgent.values().next().value ?? waiting.values().next().value;
      if (!entry) return;
      urgent.delete(entry);
      waiting.delete(entry);
      launch(entry);
    }
  }

  function launch(entry: Entry): void {
    const probe = entry.probe;
    if (!probe) return;
    running++;
    const controller = new AbortController();
    const started = now();
    let settled = false;
    let timeout: Timer | undefined;

    const settle = (outcome: CallOutcome | FleetError) => {
      if (settled) return;
      settled = true;
      timeout?.cancel();
      running--;
      probe.abandon = undefined;
      if (outcome instanceof FleetError) {
        // Abandoned (device removed or monitor stopped): whatever the probe does later is ignored.
        controller.abort(outcome);
        if (entry.probe === probe) entry.probe = undefined;
        probe.reject(outcome);
      } else {
        // Removal and stop abandon running probes first, so the entry is still current here.
        const previous = apply(entry, outcome);
        entry.probe = undefined;
        schedule(entry, nextDelay(entry.health));
        probe.resolve(entry.health);
        notify(entry, previous);
      }
      pump();
    };

    probe.abandon = settle;
    // The slot is freed at the timeout even if the probe ignores its signal, so a stuck probe
    // cannot hold a slot (and starve the fleet) forever.
    timeout = setTimer(() => {
      settle({ ok: false, error: timeoutText, unreachable: false });
      controller.abort(new FleetError('TIMEOUT', timeoutText, { device: entry.device }));
    }, timeoutMs);
    let pending: Promise<void>;
    try {
      pending = deps.probe(entry.device, controller.signal);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => settle({ ok: true, latencyMs: Math.max(0, now() - started) }),
      (error: unknown) =>
        settle({ ok: false, error: describeError(error), unreachable: isUnreachable(error) }),
    );
  }

  function forget(entry: Entry, error: FleetError): void {
    entry.timer?.cancel();
    entry.timer = undefined;
    urgent.delete(entry);
    waiting.delete(entry);
    const probe = entry.probe;
    entry.probe = undefined;
    if (!probe) return;
    if (probe.abandon) probe.abandon(error);
    else probe.reject(error);
  }

  return {
    sync(devices) {
      const wanted = new Set(devices);
      for (const [device, entry] of entries) {
        if (wanted.has(device)) continue;
        entries.delete(device);
        forget(entry, new FleetError('CANCELLED', `device ${device} was removed`, { device }));
      }
      const at = iso();
      for (const device of wanted) {
        if (entries.has(device)) continue;
        const health: DeviceHealth = { ...UNKNOWN, since: at };
        const entry: Entry = { device, health };
        entries.set(device, entry);
        schedule(entry, random() * Math.min(FIRST_PROBE_SPREAD_MS, intervalMs));
      }
    },

    get(device) {
      return entries.get(device)?.health;
    },

    gate(device) {
      const health = entries.get(device)?.health;
      if (health?.state !== 'down') return undefined;
      const detail = health.last_error === null ? '' : `: ${health.last_error}`;
      return new FleetError('DEVICE_DOWN', `down since ${health.since}${detail}`, {
        device,
        since: health.since,
      });
    },

    record(device, outcome) {
      const entry = entries.get(device);
      if (!entry) return;
      const previous = apply(entry, outcome);
      // Fresh news about the device restarts its probe clock (and backoff follows the new state).
      if (!entry.probe) schedule(entry, nextDelay(entry.health));
      notify(entry, previous);
    },

    probeNow(device) {
      if (stopped) {
        return Promise.reject(new FleetError('CANCELLED', 'the health monitor is stopped', { device }));
      }
      const entry = entries.get(device);
      if (!entry) {
        return Promise.reject(
          new FleetError('NOT_FOUND', `no device named ${forDisplay(device)}`, { device }),
        );
      }
      return enqueue(entry, true).promise;
    },

    stop() {
      if (stopped) return;
      stopped = true;
      const error = new FleetError('CANCELLED', 'the health monitor is stopped');
      for (const entry of entries.values()) forget(entry, error);
    },
  };
}

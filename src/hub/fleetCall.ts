import { performance } from 'node:perf_hooks';
import type { AuditSink } from '../audit/index.js';
import { FleetError } from '../errors/index.js';
import type { ToolCallResult } from '../tools/index.js';
import { evaluateAccess } from './access.js';
import { type FanoutEntry, fanOut } from './fanout.js';
import type { Fleet } from './fleet.js';
import type { FleetEntry, FleetResult } from './fleetTools.js';
import type { FleetConfig, Role } from './inventory/index.js';
import { renderFleetResult, summarize } from './render.js';
import { resolveTargets } from './targets.js';
import { isUnreachable } from './unreachable.js';

/** Who is calling, as the hub's access checks see it. */
export interface Principal {
  name: string;
  role: Role;
  /** Target expression bounding what this principal may reach. */
  targets: string;
  ratePerMinute: number;
  /** Third-party servers it may use. */
  servers: 'all' | readonly string[];
}

export interface FleetCallDeps {
  fleet: Fleet;
  config: () => FleetConfig;
  audit: AuditSink;
  now?: () => number;
}

export interface FleetCallOptions {
  principal: Principal;
  signal: AbortSignal;
  progress?: (message: string) => void;
}

/**
 * One device's outcome before it becomes an entry. `text` is what the model reads: the result
 * for an ok device, and more detail under the error of a failed one (empty: nothing to add).
 */
export interface DeviceValue {
  result?: Record<string, unknown>;
  text: string;
  error?: { code: string; message: string };
}

/**
 * Runs one agent tool on the device a `DeviceWork` is running on, with that call's timeout, the
 * fan-out's cancellation and presence bookkeeping. Transport failures throw; tool failures are
 * `isError` results.
 */
export type DeviceCall = (tool: string, args: Record<string, unknown>) => Promise<ToolCallResult>;

/** What a hub call does on each device: one agent call (a fleet tool) or several in order (a recipe). */
export interface DeviceWork {
  /**
   * What each agent call it will make asks for (`requestedMs` of its arguments), in order: the
   * device's budget is the sum of the calls' budgets, and long calls stretch the deadline.
   */
  requestedMs: readonly number[];
  run(call: DeviceCall, device: string): Promise<DeviceValue>;
}

/**
 * A validated call, ready to run: its targets, whether it only reads, and either what runs on
 * each device or, for a call the hub answers from its inventory (fleet_devices), that answer.
 */
export type CallPlan = { targets: string; readOnly: boolean } & (
  | { work: DeviceWork }
  | { answer: (allowed: readonly string[], fleet: Fleet) => ToolCallResult }
);

const ERROR_TEXT = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/;

/** An agent's tool error is a text `CODE: message (rule r)`; its code is kept for the summary. */
export function agentError(result: ToolCallResult): { code: string; message: string } {
  const text = result.content.map((c) => c.text).join('\n');
  const match = ERROR_TEXT.exec(text);
  return match?.[1] && match[2] !== undefined
    ? { code: match[1], message: match[2] }
    : { code: 'TOOL_ERROR', message: text || 'the tool failed' };
}

function toolError(code: string, message: string): ToolCallResult {
  return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
}

/** Longest a hub call may ask a device to work (the agent's own cap on exec timeouts). */
const MAX_CALL_MS = 604_800_000;

/** How long the device itself may work on this call, when the call says (`timeout_s` of exec, logs). */
export function requestedMs(args: Record<string, unknown>): number {
  const t = args.timeout_s;
  const asked = typeof t === 'number' && Number.isFinite(t) && t > 0 ? t * 1000 : 0;
  return Math.min(MAX_CALL_MS, asked);
}

/**
 * An exec without its own `timeout_s` gets one just under the hub's budget for that device, so
 * the agent kills the command (and says so) before the hub stops waiting, instead of the
 * command running on unseen after the hub reported a timeout.
 */
function argsFor(tool: string, args: Record<string, unknown>, budgetMs: number): Record<string, unknown> {
  if (tool !== 'exec' || args.timeout_s !== undefined) return args;
  return { ...args, timeout_s: Math.max(0.5, (budgetMs - 1000) / 1000) };
}

/**
 * The principal's reach. Its expression is resolved leniently: a term naming a device that no
 * longer exists (removed, or its site unreachable) matches nothing instead of locking the
 * principal out of every device.
 */
export function reachOf(principal: Principal, fleet: Fleet): Set<string> {
  const universe = fleet.universe();
  try {
    return new Set(resolveTargets(principal.targets, universe));
  } catch {
    const terms = principal.targets.split(',').filter((t) => t.trim() && !/^\s*[!&]/.test(t));
    const negations = principal.targets.split(',').filter((t) => /^\s*[!&]/.test(t));
    const reach = new Set<string>();
    for (const term of terms) {
      try {
        for (const name of resolveTargets([term, ...negations].join(','), universe)) reach.add(name);
      } catch {
        // an unresolvable term reaches nothing
      }
    }
    return reach;
  }
}

/** The devices of `targets` the principal may reach, and those it may not. */
function split(
  names: string[],
  principal: Principal,
  fleet: Fleet,
): { allowed: string[]; refused: Map<string, string> } {
  const refused = new Map<string, string>();
  if (principal.role === 'admin' || principal.targets.trim() === 'all') return { allowed: names, refused };
  const reach = reachOf(principal, fleet);
  const allowed = names.filter((n) => reach.has(n));
  for (const n of names) {
    if (!reach.has(n))
      refused.set(n, `principal ${principal.name} may not reach ${n} (rule principal.targets)`);
  }
  return { allowed, refused };
}

/**
 * One upstream call of a hub tool (a fleet tool or a recipe): plan (validate; a FleetError here
 * is the caller's mistake) → role → targets (resolved, then bounded by the principal's own) →
 * fan-out (health gate, per-device timeout, overall deadline, cancellation) → one entry per
 * device and a grouped text → one audit line with every device's outcome.
 */
export async function runPlannedCall(
  name: string,
  raw: unknown,
  plan: () => CallPlan,
  options: FleetCallOptions,
  deps: FleetCallDeps,
): Promise<ToolCallResult> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  let targets = '';
  const audit = (outcome: 'ok' | 'error' | 'denied', extra: Record<string, unknown> = {}) =>
    deps.audit.record({
      principal: options.principal.name,
      tool: name,
      args: raw,
      outcome,
      targets,
      duration_ms: Math.round(now() - started),
      ...extra,
    });
  try {
    const planned = plan();
    targets = planned.targets;
    const decision = evaluateAccess({ role: options.principal.role, tool: name, readOnly: planned.readOnly });
    if (decision.decision === 'deny') {
      await audit('denied', { error_code: 'POLICY_DENIED', rule: decision.ruleId });
      return toolError('POLICY_DENIED', `${decision.reason} (rule ${decision.ruleId})`);
    }
    const names = resolveTargets(planned.targets, deps.fleet.universe());
    const { allowed, refused } = split(names, options.principal, deps.fleet);

    if ('answer' in planned) {
      const answer = planned.answer(allowed, deps.fleet);
      await audit('ok');
      return answer;
    }
    const work = planned.work;

    const config = deps.config();
    const deviceTimeout = (device: string) =>
      deps.fleet.device(device)?.timeoutMs ?? config.fanout.device_timeout_s * 1000;
    // A call that asks the device for a long run (exec timeout_s) gets that, plus time to answer.
    const callBudget = (device: string, asked: number) =>
      Math.max(deviceTimeout(device), asked > 0 ? asked + 5000 : 0);
    const perDevice = (device: string) =>
      Math.max(
        deviceTimeout(device),
        work.requestedMs.reduce((sum, asked) => sum + callBudget(device, asked), 0),
      );
    const asked = work.requestedMs.reduce((sum, ms) => sum + ms, 0);
    let done = 0;
    const entries = await fanOut<DeviceValue>(
      allowed,
      async (device, signal) => {
        try {
          const gate = deps.fleet.health.gate(device);
          if (gate) throw gate;
          const endpoint = deps.fleet.endpoint(device);
          if (!endpoint) throw new FleetError('NOT_FOUND', `${device} is no longer in the inventory`);
          const call: DeviceCall = async (tool, args) => {
            // A recipe's next step must not start once the fan-out gave up on this device
            // (timeout, deadline, cancellation): the fan-out has already reported it stopped.
            if (signal.aborted) throw signal.reason;
            const budget = callBudget(device, requestedMs(args));
            try {
              return await endpoint.callTool(tool, argsFor(tool, args, budget), {
                signal,
                timeoutMs: budget,
                ...(options.progress && allowed.length === 1 ? { onProgress: options.progress } : {}),
              });
            } catch (error) {
              // Only "nothing is there" feeds presence: a slow or failing command says nothing
              // about the device's health (the heartbeat measures that), and must not mark a
              // healthy device down for everyone.
              if (!signal.aborted && isUnreachable(error)) {
                deps.fleet.health.record(device, {
                  ok: false,
                  error: error instanceof Error ? error.message : String(error),
                  unreachable: true,
                });
              }
              throw error;
            }
          };
          return await work.run(call, device);
        } finally {
          done++;
          if (options.progress && allowed.length > 1)
            options.progress(`${done}/${allowed.length} devices done`);
        }
      },
      {
        concurrency: config.fanout.concurrency,
        perDeviceTimeoutMs: perDevice,
        deadlineMs: Math.max(config.fanout.deadline_s * 1000, asked > 0 ? asked + 10_000 : 0),
        signal: options.signal,
        now,
      },
    );
    const results = merge(names, entries, refused);
    const texts = new Map(entries.map((e) => [e.device, e.value?.text ?? '']));
    const renderEntries = results.map((r) => ({
      device: r.device,
      ok: r.ok,
      text: texts.get(r.device) ?? '',
      ...(r.error ? { error: r.error } : {}),
    }));
    const output: FleetResult = { summary: summarize(renderEntries), tool: name, targets, results };
    const outcomes = Object.fromEntries(
      results.map((r) => [r.device, r.ok ? 'ok' : (r.error?.code ?? 'error')]),
    );
    const anyOk = results.some((r) => r.ok);
    await audit(anyOk || results.length === 0 ? 'ok' : 'error', { devices: outcomes });
    return {
      content: [{ type: 'text', text: renderFleetResult(renderEntries) }],
      structuredContent: output,
    };
  } catch (error) {
    const fleet = error instanceof FleetError ? error : undefined;
    const code = fleet?.code ?? 'INTERNAL';
    await audit('error', { error_code: code });
    if (!fleet) throw error;
    return toolError(code, fleet.message);
  }
}

/**
 * Entries in target order: refused ones (principal) and fanned-out ones, an agent's tool error
 * counted as a failure. A failed device keeps its `result` when it has one (a recipe's steps).
 */
function merge(
  names: string[],
  entries: FanoutEntry<DeviceValue>[],
  refused: Map<string, string>,
): FleetEntry[] {
  const byDevice = new Map(entries.map((e) => [e.device, e]));
  return names.map((device): FleetEntry => {
    const why = refused.get(device);
    if (why !== undefined)
      return { device, ok: false, duration_ms: 0, error: { code: 'POLICY_DENIED', message: why } };
    const e = byDevice.get(device);
    if (!e) return { device, ok: false, duration_ms: 0, error: { code: 'INTERNAL', message: 'no result' } };
    if (!e.ok)
      return {
        device,
        ok: false,
        duration_ms: Math.round(e.duration_ms),
        error: e.error ?? { code: 'INTERNAL', message: 'failed' },
      };
    const value = e.value;
    if (value?.error)
      return {
        device,
        ok: false,
        duration_ms: Math.round(e.duration_ms),
        ...(value.result ? { result: value.result } : {}),
        error: value.error,
      };
    return {
      device,
      ok: true,
      duration_ms: Math.round(e.duration_ms),
      ...(value?.result ? { result: value.result } : {}),
    };
  });
}

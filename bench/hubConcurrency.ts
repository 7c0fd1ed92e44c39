import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import type { HubDevice } from './hubProcess.js';
import { HUB_TOKEN } from './hubProcess.js';
import { connectMcp, fleetEntries } from './mcpClient.js';
import { cpuMs } from './procs.js';
import type { Row } from './report.js';
import { fmt } from './stats.js';
import { quantile } from './timing.js';

export interface ConcurrencyOutcome {
  latencies: number[];
  /** CPU ms spent during the timed window by the hub, the simulated fleet and this (client) process. */
  cpu: { hub: number; sim: number; clients: number };
  errors: number;
  /** Up to three distinct error texts, for the notes. */
  examples: string[];
  wallMs: number;
}

type CallResult = Awaited<ReturnType<Client['callTool']>>;

/** For fleet tools: why the result is not a success on every device, or undefined when it is. */
export function allDevicesOk(result: CallResult): string | undefined {
  try {
    const bad = fleetEntries(result).find((e) => !e.ok);
    return bad ? `${bad.device}: ${bad.error?.code}: ${bad.error?.message}` : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * `clients` SDK clients, each its own connection, all started together; each makes `callsEach`
 * calls one after another (so `clients` calls are in flight at once). A thrown call or a
 * result `check` finds fault with counts as an error.
 */
export async function runConcurrentClients(
  hubUrl: string,
  pids: { hub: number; sim: number },
  clients: number,
  callsEach: number,
  call: (client: number) => { name: string; arguments: Record<string, unknown> },
  check: (result: CallResult) => string | undefined,
): Promise<ConcurrencyOutcome> {
  const connected: Client[] = [];
  for (let i = 0; i < clients; i++) connected.push(await connectMcp(hubUrl, HUB_TOKEN, 'modern'));
  const latencies: number[] = [];
  const examples = new Set<string>();
  let errors = 0;
  const fail = (why: string) => {
    errors++;
    if (examples.size < 3) examples.add(why.slice(0, 200));
  };
  const started = performance.now();
  const cpu0 = { hub: cpuMs(pids.hub), sim: cpuMs(pids.sim), clients: process.cpuUsage() };
  await Promise.all(
    connected.map(async (client, i) => {
      for (let k = 0; k < callsEach; k++) {
        const t = performance.now();
        try {
          const problem = check(await client.callTool(call(i)));
          if (problem !== undefined) fail(problem);
        } catch (error) {
          fail(error instanceof Error ? error.message : String(error));
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu0.clients);
  const cpu = {
    hub: cpuMs(pids.hub) - cpu0.hub,
    sim: cpuMs(pids.sim) - cpu0.sim,
    clients: (used.user + used.system) / 1000,
  };
  await Promise.all(connected.map((c) => c.close().catch(() => {})));
  return { latencies, cpu, errors, examples: [...examples], wallMs };
}

/** A row for one concurrency run: calls/s, p50 and p99 as the result, zero errors as the budget. */
export function concurrencyRow(label: string, outcome: ConcurrencyOutcome): Row {
  const n = outcome.latencies.length;
  const perSecond = n / (outcome.wallMs / 1000);
  return {
    name: label,
    result:
      `${fmt(perSecond, 0)} calls/s, p50 ${fmt(quantile(outcome.latencies, 0.5))} ms, ` +
      `p99 ${fmt(quantile(outcome.latencies, 0.99))} ms, ${outcome.errors} errors (n=${n})`,
    budget: '0 errors',
    pass: outcome.errors === 0,
  };
}

/**
 * 100 clients through the hub at once, twice: fleet_exec (argv true), each client on its own
 * device so no agent sees more than one call at a time (an agent refuses calls beyond its
 * max_concurrent, which would measure the agent's limit, not the hub), then fleet_devices,
 * which the hub answers itself.
 */
export async function runConcurrencyBench(
  hubUrl: string,
  pids: { hub: number; sim: number },
  devices: readonly HubDevice[],
  sizes: { clients: number; callsEach: number },
): Promise<{ rows: Row[]; notes: string[] }> {
  const { clients, callsEach } = sizes;
  const exec = await runConcurrentClients(
    hubUrl,
    pids,
    clients,
    callsEach,
    (i) => ({
      name: 'fleet_exec',
      arguments: { targets: devices[i % devices.length]?.name ?? 'd0000', argv: ['true'] },
    }),
    allDevicesOk,
  );
  const listing = await runConcurrentClients(
    hubUrl,
    pids,
    clients,
    callsEach,
    () => ({ name: 'fleet_devices', arguments: { targets: 'tag:t10' } }),
    (result) => {
      const listed = (result.structuredContent as { devices?: unknown[] } | undefined)?.devices;
      return !result.isError && listed?.length === 10 ? undefined : 'fleet_devices did not list 10 devices';
    },
  );
  const rows = [
    concurrencyRow(
      `${clients} concurrent clients × ${callsEach} fleet_exec (argv true), each on its own device`,
      exec,
    ),
    concurrencyRow(`${clients} concurrent clients × ${callsEach} fleet_devices (10 devices)`, listing),
  ];
  const notes: string[] = [];
  for (const [what, o] of [
    ['fleet_exec', exec],
    ['fleet_devices', listing],
  ] as const) {
    const n = o.latencies.length;
    notes.push(
      `${clients} concurrent ${what}: CPU per call: hub ${fmt(o.cpu.hub / n)} ms, simulated fleet ${fmt(o.cpu.sim / n)} ms, ` +
        `bench clients ${fmt(o.cpu.clients / n)} ms; all three together kept ` +
        `${fmt((o.cpu.hub + o.cpu.sim + o.cpu.clients) / o.wallMs)} cores busy.` +
        (o.errors ? ` Error examples: ${o.examples.join(' | ')}` : ''),
    );
  }
  return { rows, notes };
}

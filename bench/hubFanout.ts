import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import type { BenchContext } from './agentBench.js';
import { runConcurrencyBench } from './hubConcurrency.js';
import { DEFAULT_HUB_OPTIONS, fleetYaml, HUB_TOKEN, type HubDevice, startHub } from './hubProcess.js';
import { connectMcp, type FleetEntry, fleetEntries, formatCounts, outcomeCounts } from './mcpClient.js';
import { cpuMs, openFilesLimit, rssKb, sleep } from './procs.js';
import { formatBaseline, formatSummary, type Row, reportOnly, single } from './report.js';
import { type RunningSimFleet, SIM_TOKEN } from './simLauncher.js';
import { fmt, summarize } from './stats.js';
import { quantile } from './timing.js';

export const FLEET_SIZE = 1000;
const SIZES = [
  { targets: 'tag:t10', devices: 10, n: 20 },
  { targets: 'tag:t100', devices: 100, n: 10 },
  { targets: 'all', devices: FLEET_SIZE, n: 5 },
] as const;
const FANOUT_WARMUP = 2;
const CLIENTS = 100;
const CALLS_EACH = 20;

/** `d0000`…: the first 10 tagged t10 and t100, the first 100 t100, so one hub serves all three sizes. */
export function simDevices(ports: readonly number[]): HubDevice[] {
  return ports.map((port, i) => ({
    name: `d${String(i).padStart(4, '0')}`,
    port,
    tokenEnv: 'SIM_TOKEN',
    tags: [...(i < 10 ? ['t10'] : []), ...(i < 100 ? ['t100'] : [])],
  }));
}

/** Polls fleet_devices until no device is `unknown` (bounded: 300 polls, 200 ms apart). */
async function firstHeartbeatRound(client: Client): Promise<{ ms: number; states: string }> {
  const started = performance.now();
  let states = '';
  for (let i = 0; i < 300; i++) {
    const r = await client.callTool({ name: 'fleet_devices', arguments: {} });
    const devices =
      (r.structuredContent as { devices?: Array<{ state: string }> } | undefined)?.devices ?? [];
    const counts = new Map<string, number>();
    for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
    states = formatCounts(counts);
    if (devices.length === FLEET_SIZE && !counts.get('unknown'))
      return { ms: performance.now() - started, states };
    await sleep(200);
  }
  throw new Error(`the first heartbeat round did not finish within 60 s (${states})`);
}

/**
 * A hub with 1,000 simulated live devices: the first heartbeat round, RSS idle, fleet_status
 * fan-out wall time over 10, 100 and 1,000 devices (with the CPU the hub and the simulated
 * fleet spent on it), RSS after, then 100 concurrent clients.
 */
export async function runFanoutBench(
  ctx: BenchContext,
  sim: RunningSimFleet,
  hubIdleOneDeviceKb: number,
): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const devices = simDevices(sim.live.slice(0, FLEET_SIZE));
  const t0 = performance.now();
  const hub = await startHub(ctx, 'hub-1000', fleetYaml(devices, DEFAULT_HUB_OPTIONS), { SIM_TOKEN });
  const upMs = performance.now() - t0;
  const client = await connectMcp(hub.url, HUB_TOKEN, 'modern');
  const round = await firstHeartbeatRound(client);
  rows.push(
    reportOnly(
      `hub start with ${FLEET_SIZE} devices: to /healthz, then first heartbeat round`,
      `${fmt(upMs, 0)} ms to /healthz, then ${fmt(round.ms, 0)} ms until no device unknown (${round.states})`,
    ),
  );
  await sleep(1000);
  const idleKb = rssKb(hub.pid);
  const mb = (kb: number) => kb / 1024;
  rows.push(
    reportOnly(
      `hub RSS idle, ${FLEET_SIZE} devices, after the first heartbeat round`,
      formatSummary(single(mb(idleKb)), 'MB'),
      formatBaseline('same hub with 1 device', single(mb(hubIdleOneDeviceKb)), 'MB'),
      idleKb / hubIdleOneDeviceKb,
    ),
  );
  notes.push(
    `Hub RSS per configured device ≈ ${fmt((idleKb - hubIdleOneDeviceKb) / (FLEET_SIZE - 1), 1)} kB ` +
      `((RSS at ${FLEET_SIZE} − RSS at 1) ÷ ${FLEET_SIZE - 1}). Hub open-files limit: ${openFilesLimit(hub.pid)}; ` +
      `simulated fleet: ${openFilesLimit(sim.pid)}.`,
  );

  for (const size of SIZES) {
    const call = () => client.callTool({ name: 'fleet_status', arguments: { targets: size.targets } });
    for (let i = 0; i < FANOUT_WARMUP; i++) await call();
    const cpu0 = { hub: cpuMs(hub.pid), sim: cpuMs(sim.pid) };
    const wall: number[] = [];
    let last: FleetEntry[] = [];
    let bad = 0;
    let resultBytes = 0;
    for (let i = 0; i < size.n; i++) {
      const t = performance.now();
      const result = await call();
      wall.push(performance.now() - t);
      const entries = fleetEntries(result);
      resultBytes = Buffer.byteLength(JSON.stringify(result));
      if (entries.length !== size.devices || entries.some((e) => !e.ok)) bad++;
      last = entries;
    }
    const hubCpu = (cpuMs(hub.pid) - cpu0.hub) / size.n;
    const simCpu = (cpuMs(sim.pid) - cpu0.sim) / size.n;
    const s = summarize(wall);
    const outcome = `${formatCounts(outcomeCounts(last))} in the last call${bad ? `; ${bad} calls not all ok` : ''}`;
    const row: Row = {
      name: `fleet_status fan-out wall time, ${size.devices} devices`,
      result: `${formatSummary(s, 'ms')}; ${outcome}`,
      budget: size.devices === FLEET_SIZE ? '< 1000 ms, all ok' : 'report only',
      pass: size.devices !== FLEET_SIZE || (s.median < 1000 && bad === 0),
    };
    rows.push(row);
    const durations = last.map((e) => e.duration_ms);
    notes.push(
      `fleet_status over ${size.devices}: result ${fmt(resultBytes / 1024, 0)} KiB as JSON; per call, hub CPU ${fmt(hubCpu, 0)} ms, simulated-fleet CPU ${fmt(simCpu, 0)} ms ` +
        `(both processes share ${cpus().length} cores); per-device duration_ms in the last call: median ` +
        `${fmt(quantile(durations, 0.5), 0)}, p99 ${fmt(quantile(durations, 0.99), 0)}, max ${fmt(Math.max(...durations), 0)}.`,
    );
  }
  const afterKb = rssKb(hub.pid);
  rows.push(
    reportOnly(
      `hub RSS after the fan-outs (${SIZES.reduce((n, s) => n + s.n + FANOUT_WARMUP, 0)} fleet_status calls)`,
      formatSummary(single(mb(afterKb)), 'MB'),
      formatBaseline('idle, same hub', single(mb(idleKb)), 'MB'),
      afterKb / idleKb,
    ),
  );
  await client.close();

  const concurrent = await runConcurrencyBench(hub.url, { hub: hub.pid, sim: sim.pid }, devices, {
    clients: CLIENTS,
    callsEach: CALLS_EACH,
  });
  rows.push(...concurrent.rows);
  notes.push(...concurrent.notes);
  await ctx.procs.stop(hub.child);
  return { rows, notes };
}

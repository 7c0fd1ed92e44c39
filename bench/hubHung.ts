import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import type { BenchContext } from './agentBench.js';
import { DEFAULT_HUB_OPTIONS, fleetYaml, HUB_TOKEN, type HubDevice, startHub } from './hubProcess.js';
import { connectMcp, type FleetEntry, fleetEntries, formatCounts, outcomeCounts } from './mcpClient.js';
import { sleep } from './procs.js';
import { formatSummary, type Row, reportOnly } from './report.js';
import { type RunningSimFleet, SIM_TOKEN } from './simLauncher.js';
import { fmt, summarize } from './stats.js';

export const HUNG_DEVICE_TIMEOUT_S = 2;
const BUDGET_MS = HUNG_DEVICE_TIMEOUT_S * 1000 + 500;
const CASES = [
  { devices: 100, reps: 3 },
  { devices: 1000, reps: 3 },
] as const;
/** After /healthz, so the first heartbeat probes (spread over 1 s) have connected the live devices. */
const SETTLE_MS = 1500;

/** Every tenth device (d0009, d0019, …) is a hung port; the rest are live simulated agents. */
function mixedDevices(sim: RunningSimFleet, count: number): { devices: HubDevice[]; hung: Set<string> } {
  const devices: HubDevice[] = [];
  const hung = new Set<string>();
  let live = 0;
  let dead = 0;
  for (let i = 0; i < count; i++) {
    const name = `d${String(i).padStart(4, '0')}`;
    const isHung = i % 10 === 9;
    const port = isHung ? sim.hung[dead++] : sim.live[live++];
    if (port === undefined)
      throw new Error(`the simulated fleet has too few ${isHung ? 'hung' : 'live'} ports`);
    if (isHung) hung.add(name);
    devices.push({ name, port, tokenEnv: 'SIM_TOKEN' });
  }
  return { devices, hung };
}

async function states(client: Client): Promise<string> {
  const r = await client.callTool({ name: 'fleet_devices', arguments: {} });
  const devices = (r.structuredContent as { devices?: Array<{ state: string }> } | undefined)?.devices ?? [];
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  return formatCounts(counts);
}

async function timedStatus(client: Client): Promise<{ ms: number; entries: FleetEntry[] }> {
  const t = performance.now();
  const entries = fleetEntries(
    await client.callTool({ name: 'fleet_status', arguments: { targets: 'all' } }),
  );
  return { ms: performance.now() - t, entries };
}

/**
 * fleet_status over fleets where 10 % of devices are hung (accept, never answer), with
 * `device_timeout_s: 2`. The worst case is the first call after the hub starts, before any hung
 * device is known to be down, so every sample is a fresh hub; the call right after it (the hub
 * has by then seen the hung devices fail) is reported too.
 */
export async function runHungBench(
  ctx: BenchContext,
  sim: RunningSimFleet,
): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const c of CASES) {
    const { devices, hung } = mixedDevices(sim, c.devices);
    const yaml = fleetYaml(devices, { ...DEFAULT_HUB_OPTIONS, deviceTimeoutS: HUNG_DEVICE_TIMEOUT_S });
    const first: number[] = [];
    const second: number[] = [];
    let allLiveOk = true;
    const seen = { first: '', second: '', before: '', hungErrors: new Map<string, number>(), hungMaxMs: 0 };
    for (let rep = 0; rep < c.reps; rep++) {
      const hub = await startHub(ctx, `hub-hung-${c.devices}-${rep}`, yaml, { SIM_TOKEN });
      try {
        const client = await connectMcp(hub.url, HUB_TOKEN, 'modern');
        await sleep(SETTLE_MS);
        seen.before = await states(client);
        const a = await timedStatus(client);
        const b = await timedStatus(client);
        first.push(a.ms);
        second.push(b.ms);
        const liveOk = a.entries.filter((e) => e.ok && !hung.has(e.device)).length;
        if (liveOk !== c.devices - hung.size || a.entries.length !== c.devices) allLiveOk = false;
        for (const e of a.entries) {
          if (!hung.has(e.device)) continue;
          seen.hungMaxMs = Math.max(seen.hungMaxMs, e.duration_ms);
          if (!e.error) continue;
          // Device names would make every message distinct; count the kinds.
          const kind = `${e.error.code}: ${e.error.message.replaceAll(e.device, '<device>')}`;
          seen.hungErrors.set(kind, (seen.hungErrors.get(kind) ?? 0) + 1);
        }
        seen.first = formatCounts(outcomeCounts(a.entries));
        seen.second = formatCounts(outcomeCounts(b.entries));
        await client.close();
      } finally {
        await ctx.procs.stop(hub.child);
      }
    }
    const s1 = summarize(first);
    const s2 = summarize(second);
    rows.push({
      name: `fleet_status, ${c.devices} devices of which ${hung.size} hung (device_timeout_s ${HUNG_DEVICE_TIMEOUT_S}), first call after hub start`,
      result: `${formatSummary(s1, 'ms')}; last: ${seen.first}${allLiveOk ? '' : '; some live devices not ok'}`,
      budget: `≤ ${BUDGET_MS} ms (device timeout + 0.5 s), live devices all ok`,
      pass: s1.median <= BUDGET_MS && allLiveOk,
    });
    rows.push(
      reportOnly(
        `fleet_status, ${c.devices} devices of which ${hung.size} hung, the call right after`,
        `${formatSummary(s2, 'ms')}; last: ${seen.second}`,
      ),
    );
    notes.push(
      `${c.devices} devices, ${hung.size} hung: presence before the first call (${SETTLE_MS} ms after /healthz): ${seen.before}. ` +
        `Hung devices' errors on the first calls (all ${c.reps}): ` +
        `${[...seen.hungErrors].map(([k, v]) => `${v}× "${k}"`).join(', ') || 'none'}; ` +
        `their longest duration_ms ${fmt(seen.hungMaxMs, 0)}.`,
    );
  }
  return { rows, notes };
}

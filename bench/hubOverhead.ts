import { AGENT_TOKEN, type BenchContext, ROUNDS, startAgent, WARMUP } from './agentBench.js';
import { DEFAULT_HUB_OPTIONS, fleetYaml, HUB_TOKEN, startHub } from './hubProcess.js';
import { connectMcp, fleetEntries } from './mcpClient.js';
import { cpuMs, freePort, rssKb, sleep, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row } from './report.js';
import { fmt, summarize } from './stats.js';
import { timePair } from './timing.js';

export interface OverheadResult {
  rows: Row[];
  notes: string[];
  /** The hub's RSS in kB with one device configured, idle: the baseline for the 1,000-device row. */
  hubIdleOneDeviceKb: number;
}

/**
 * Hub overhead: the same `exec argv ['true']` on the same agent, once straight to the agent and
 * once through the hub (`fleet_exec` targeting that one device), alternated call by call.
 */
export async function runHubOverhead(ctx: BenchContext): Promise<OverheadResult> {
  const agentPort = await freePort();
  const agent = startAgent(ctx, agentPort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agent);
  const yaml = fleetYaml(
    [{ name: 'agent0', port: agentPort, tokenEnv: 'BENCH_AGENT_TOKEN' }],
    DEFAULT_HUB_OPTIONS,
  );
  const hub = await startHub(ctx, 'hub-overhead', yaml, { BENCH_AGENT_TOKEN: AGENT_TOKEN });
  await sleep(1500); // the first heartbeat (within 1 s of start) connects the hub to the agent
  const hubIdleOneDeviceKb = rssKb(hub.pid);

  const rows: Row[] = [];
  const notes: string[] = [];
  for (const era of ['modern', 'legacy'] as const) {
    const direct = await connectMcp(`http://127.0.0.1:${agentPort}/mcp`, AGENT_TOKEN, era);
    const viaHub = await connectMcp(hub.url, HUB_TOKEN, era);
    let errors = 0;
    const cpu0 = { hub: cpuMs(hub.pid), agent: cpuMs(agent.pid ?? 0) };
    const samples = await timePair(
      ROUNDS,
      WARMUP,
      async () => {
        const r = await direct.callTool({ name: 'exec', arguments: { argv: ['true'] } });
        if (r.isError) errors++;
      },
      async () => {
        const r = await viaHub.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'agent0', argv: ['true'] },
        });
        try {
          if (!fleetEntries(r).every((e) => e.ok)) errors++;
        } catch {
          errors++;
        }
      },
    );
    const calls = ROUNDS + WARMUP;
    const hubCpu = (cpuMs(hub.pid) - cpu0.hub) / calls;
    const agentCpu = (cpuMs(agent.pid ?? 0) - cpu0.agent) / (2 * calls);
    await direct.close();
    await viaHub.close();
    const d = summarize(samples.a);
    const h = summarize(samples.b);
    const ratio = h.median / d.median;
    rows.push({
      name: `hub overhead: fleet_exec via hub (1 device, argv true), MCP ${era} era${errors ? `, ${errors} errors` : ''}`,
      result: formatSummary(h, 'ms'),
      baseline: formatBaseline('same agent directly (exec)', d, 'ms'),
      ratio,
      budget: '≤ 1.3× baseline',
      pass: ratio <= 1.3 && errors === 0,
    });
    notes.push(
      `Hub overhead, ${era} era: hub process CPU ${fmt(hubCpu)} ms per fleet_exec call; agent process CPU ` +
        `${fmt(agentCpu)} ms per exec call (averaged over direct and via-hub calls; the spawned command's own CPU is not counted).`,
    );
  }
  await ctx.procs.stop(hub.child);
  await ctx.procs.stop(agent);
  return { rows, notes, hubIdleOneDeviceKb };
}

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectMcp } from './mcpClient.js';
import { freePort, type ProcessSet, rssKb, sleep, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, REPORT_ONLY, type Row, type Section, single } from './report.js';
import { summarize } from './stats.js';
import { time } from './timing.js';

export interface BenchContext {
  root: string;
  procs: ProcessSet;
  /** A scratch directory for this run (configs, audit logs, process logs). */
  tmp: string;
}

export const ROUNDS = 300;
export const WARMUP = 30;
export const AGENT_TOKEN = 'bench-token';

export const binPath = (root: string) => join(root, 'dist/src/bin/mcp-fleet.js');

/** `mcp-fleet agent` on 127.0.0.1:port with the bench token and an audit log, as an operator would run it. */
export function startAgent(ctx: BenchContext, port: number): ChildProcess {
  return ctx.procs.spawn(
    process.execPath,
    [
      binPath(ctx.root),
      'agent',
      '--listen',
      `127.0.0.1:${port}`,
      '--audit-log',
      join(ctx.tmp, `agent-audit-${port}.jsonl`),
    ],
    { env: { ...process.env, MCP_FLEET_TOKEN: AGENT_TOKEN, MCP_FLEET_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
  );
}

function startBare(ctx: BenchContext, port: number): ChildProcess {
  return ctx.procs.spawn(process.execPath, [join(ctx.root, 'dist/bench/bareServer.js'), String(port)], {
    stdio: 'ignore',
  });
}

/**
 * The agent alone against baselines started in the same run: exec and system_status round
 * trips in both protocol eras, RSS idle and after load, cold start.
 */
export async function runAgentBench(ctx: BenchContext): Promise<Section> {
  const rows: Row[] = [];
  const url = (port: number) => `http://127.0.0.1:${port}/mcp`;

  // Cold start: process spawn to first answer, agent (first tools/call) against bare node (first GET).
  const coldAgent: number[] = [];
  const coldBare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    let t = performance.now();
    const a = startAgent(ctx, port);
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, a);
    const c = await connectMcp(url(port), AGENT_TOKEN, 'legacy');
    await c.callTool({ name: 'exec', arguments: { argv: ['true'] } });
    coldAgent.push(performance.now() - t);
    await c.close();
    await ctx.procs.stop(a, 0);
    const bport = await freePort();
    t = performance.now();
    const b = startBare(ctx, bport);
    await waitHealthy(`http://127.0.0.1:${bport}/`, b);
    coldBare.push(performance.now() - t);
    await ctx.procs.stop(b, 0);
  }

  const agentPort = await freePort();
  const barePort = await freePort();
  const agent = startAgent(ctx, agentPort);
  const bare = startBare(ctx, barePort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agent);
  await waitHealthy(`http://127.0.0.1:${barePort}/`, bare);
  await sleep(500);
  const idleAgent = rssKb(agent.pid ?? 0);
  const idleBare = rssKb(bare.pid ?? 0);

  const bareExec = await time(ROUNDS, WARMUP, async () => {
    const r = await fetch(`http://127.0.0.1:${barePort}/`, {
      method: 'POST',
      body: '{"argv":["echo","hi"]}',
    });
    await r.json();
  });
  const results: Record<string, number[]> = {};
  for (const era of ['legacy', 'modern'] as const) {
    const client = await connectMcp(url(agentPort), AGENT_TOKEN, era);
    results[`exec-${era}`] = await time(ROUNDS, WARMUP, () =>
      client.callTool({ name: 'exec', arguments: { argv: ['echo', 'hi'] } }),
    );
    results[`status-${era}`] = await time(100, WARMUP, () =>
      client.callTool({ name: 'system_status', arguments: {} }),
    );
    await client.close();
  }
  const load = await connectMcp(url(agentPort), AGENT_TOKEN, 'legacy');
  for (let i = 0; i < 1000; i++)
    await load.callTool({ name: 'read_file', arguments: { path: '/proc/loadavg' } });
  await load.close();
  const loadedAgent = rssKb(agent.pid ?? 0);
  const loadedBare = rssKb(bare.pid ?? 0);
  await ctx.procs.stop(agent);
  await ctx.procs.stop(bare);

  const bareSummary = summarize(bareExec);
  for (const era of ['legacy', 'modern'] as const) {
    const s = summarize(results[`exec-${era}`] ?? []);
    rows.push({
      name: `exec round trip, MCP ${era} era`,
      result: formatSummary(s, 'ms'),
      baseline: formatBaseline('bare node:http + child_process', bareSummary, 'ms'),
      ratio: s.median / bareSummary.median,
      budget: '≤ 1.5× baseline',
      pass: s.median <= 1.5 * bareSummary.median,
    });
  }
  for (const era of ['legacy', 'modern'] as const) {
    const s = summarize(results[`status-${era}`] ?? []);
    rows.push({
      name: `system_status via MCP, ${era} era`,
      result: formatSummary(s, 'ms'),
      budget: '< 10 ms',
      pass: s.median < 10,
    });
  }
  const mb = (kb: number) => kb / 1024;
  rows.push({
    name: 'RSS idle',
    result: formatSummary(single(mb(idleAgent)), 'MB'),
    baseline: formatBaseline('bare node:http server', single(mb(idleBare)), 'MB'),
    ratio: idleAgent / idleBare,
    budget: '≤ baseline + 10 MB',
    pass: mb(idleAgent) <= mb(idleBare) + 10,
  });
  rows.push({
    name: `RSS after ${2 * ROUNDS + 200 + 1000 + 2 * WARMUP + 60} calls`,
    result: formatSummary(single(mb(loadedAgent)), 'MB'),
    baseline: formatBaseline(`bare server after ${ROUNDS + WARMUP} calls`, single(mb(loadedBare)), 'MB'),
    ratio: loadedAgent / loadedBare,
    budget: REPORT_ONLY,
    pass: true,
  });
  const coldA = summarize(coldAgent);
  const coldB = summarize(coldBare);
  rows.push({
    name: 'cold start to first tools/call answer',
    result: formatSummary(coldA, 'ms'),
    baseline: formatBaseline('bare node:http to first answer', coldB, 'ms'),
    ratio: coldA.median / coldB.median,
    budget: REPORT_ONLY,
    pass: true,
  });
  return {
    title: 'Agent',
    rows,
    notes: [
      `Latency rows: median (min–max) over the stated count after ${WARMUP} warm-up calls; baselines ran in the same run.`,
    ],
  };
}

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runAgentMemory } from './agentMemory.js';
import { runColdStart } from './coldStart.js';
import { connectMcp } from './mcpClient.js';
import { freePort, type ProcessSet, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row, type Section } from './report.js';
import { summarize } from './stats.js';
import { time, timePair } from './timing.js';

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
export function startAgent(
  ctx: BenchContext,
  port: number,
  extra: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): ChildProcess {
  return ctx.procs.spawn(
    process.execPath,
    [
      ...(extra.nodeArgs ?? []),
      binPath(ctx.root),
      'agent',
      '--listen',
      `127.0.0.1:${port}`,
      '--audit-log',
      join(ctx.tmp, `agent-audit-${port}.jsonl`),
    ],
    {
      env: { ...process.env, MCP_FLEET_TOKEN: AGENT_TOKEN, MCP_FLEET_LOG_LEVEL: 'warn', ...extra.env },
      stdio: 'ignore',
    },
  );
}

export function startBare(ctx: BenchContext, port: number): ChildProcess {
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

  const agentPort = await freePort();
  const barePort = await freePort();
  const agent = startAgent(ctx, agentPort);
  const bare = startBare(ctx, barePort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agent);
  await waitHealthy(`http://127.0.0.1:${barePort}/`, bare);
  const bareExec = async () => {
    const r = await fetch(`http://127.0.0.1:${barePort}/`, {
      method: 'POST',
      body: '{"argv":["echo","hi"]}',
    });
    await r.json();
  };
  const results: Record<string, number[]> = {};
  for (const era of ['legacy', 'modern'] as const) {
    const client = await connectMcp(url(agentPort), AGENT_TOKEN, era);
    // Agent and bare server in alternation, so the machine's drift lands on both alike.
    const pair = await timePair(ROUNDS, WARMUP, bareExec, () =>
      client.callTool({ name: 'exec', arguments: { argv: ['echo', 'hi'] } }),
    );
    results[`bare-${era}`] = pair.a;
    results[`exec-${era}`] = pair.b;
    results[`status-${era}`] = await time(100, WARMUP, () =>
      client.callTool({ name: 'system_status', arguments: {} }),
    );
    await client.close();
  }
  await ctx.procs.stop(agent);
  await ctx.procs.stop(bare);

  for (const era of ['legacy', 'modern'] as const) {
    const s = summarize(results[`exec-${era}`] ?? []);
    const bareSummary = summarize(results[`bare-${era}`] ?? []);
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
  rows.push(...(await runColdStart(ctx)));
  const memory = await runAgentMemory(ctx);
  rows.push(...memory.rows);
  return {
    title: 'Agent',
    rows,
    notes: [
      `Latency rows: median (min–max) over the stated count after ${WARMUP} warm-up calls; each era's exec calls alternate with the bare server's (A B, B A, …), so each era has its own baseline from the same minutes.`,
      ...memory.notes,
    ],
  };
}

import type { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { BenchContext } from './agentBench.js';
import { AGENT_TOKEN, binPath, startBare } from './agentBench.js';
import { connectMcp } from './mcpClient.js';
import { freePort, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row, reportOnly } from './report.js';
import { summarize } from './stats.js';

export const COLD_RUNS = 5;

/** The first `{"port":N,"pid":P}` line the socket launcher prints once the agent is spawned. */
function launched(child: ReturnType<typeof spawn>): Promise<{ port: number; pid: number }> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('socket launcher has no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(JSON.parse(line) as { port: number; pid: number }));
    child.once('exit', (code) =>
      reject(new Error(`socket launcher exited (${code}) before starting the agent`)),
    );
  });
}

/**
 * Cold start of a socket-activated agent: test/helpers/socketLauncher.mjs (the stand-in for
 * systemd's .socket unit that the tests use) listens first and hands the socket to a new
 * `mcp-fleet agent` as fd 3; the clock starts when the launcher reports the agent spawned and
 * the client's first request is already waiting in the socket's backlog, as with systemd. It
 * stops at the first tools/call answer. Baseline: a bare node:http server from spawn to its
 * first answer.
 */
export async function runColdStart(ctx: BenchContext): Promise<Row[]> {
  const launcher = join(ctx.root, 'test/helpers/socketLauncher.mjs');
  const agentMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const child = ctx.procs.spawn(
      process.execPath,
      [
        launcher,
        process.execPath,
        binPath(ctx.root),
        'agent',
        '--audit-log',
        join(ctx.tmp, `cold-audit-${i}.jsonl`),
      ],
      {
        env: { ...process.env, MCP_FLEET_TOKEN: AGENT_TOKEN, MCP_FLEET_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const { port } = await launched(child);
    const t = performance.now();
    const client = await connectMcp(`http://127.0.0.1:${port}/mcp`, AGENT_TOKEN, 'modern');
    const r = await client.callTool({ name: 'exec', arguments: { argv: ['true'] } });
    agentMs.push(performance.now() - t);
    if (r.isError) throw new Error(`first call after socket activation failed: ${JSON.stringify(r.content)}`);
    await client.close();
    await ctx.procs.stop(child, 2000);

    const barePort = await freePort();
    const tb = performance.now();
    const bare = startBare(ctx, barePort);
    await waitHealthy(`http://127.0.0.1:${barePort}/`, bare);
    bareMs.push(performance.now() - tb);
    await ctx.procs.stop(bare, 0);
  }
  const a = summarize(agentMs);
  const b = summarize(bareMs);
  return [
    reportOnly(
      'cold start of a socket-activated agent to its first tools/call answer (modern era)',
      formatSummary(a, 'ms'),
      formatBaseline('bare node:http, spawn to first answer', b, 'ms'),
      a.median / b.median,
    ),
  ];
}

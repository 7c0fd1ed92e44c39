import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { BenchContext } from './agentBench.js';
import { AGENT_TOKEN, startAgent, startBare } from './agentBench.js';
import { connectMcp } from './mcpClient.js';
import { freePort, rssKb, sleep, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row, reportOnly, single } from './report.js';

export const MEMORY_CALLS = 10_000;
const WARM_CALLS = 1_000;
const SAMPLE_EVERY = 1_000;
/** Both clients are closed and reconnected this often, so legacy sessions come and go. */
const RECONNECT_EVERY = 500;
/** The budget: no growth beyond 10 % from the warmed-up agent to the end. */
export const GROWTH_BUDGET = 1.1;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Asks the agent (bench/gcPreload.js) to collect garbage fully and report its memory. */
async function memoryAfterGc(agent: ChildProcess, file: string): Promise<Memory> {
  rmSync(file, { force: true });
  agent.kill('SIGUSR2');
  for (let i = 0; i < 500; i++) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as Memory;
      } catch {
        // written but not yet whole: read again
      }
    }
    await sleep(10);
  }
  throw new Error('the agent never reported its memory (bench/gcPreload.js not loaded?)');
}

/** Call i of the mix: four cheap tools in turn, each with its answer checked. */
async function mixedCall(client: Client, i: number): Promise<void> {
  const calls = [
    { name: 'exec', arguments: { argv: ['echo', 'hi'] } },
    { name: 'read_file', arguments: { path: '/proc/loadavg' } },
    { name: 'system_status', arguments: {} },
    { name: 'list_dir', arguments: { path: '/etc' } },
  ] as const;
  const call = calls[i % calls.length] ?? calls[0];
  const r = await client.callTool({ name: call.name, arguments: { ...call.arguments } });
  if (r.isError) throw new Error(`${call.name} failed during the memory run: ${JSON.stringify(r.content)}`);
}

export interface MemoryResult {
  rows: Row[];
  notes: string[];
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/**
 * One fresh agent idle, after a warm-up of 1,000 calls and after 10,000, sampled every 1,000,
 * against a bare node:http server idle. Calls alternate a legacy-era session and a modern-era
 * client and both reconnect every 500 calls, so session bookkeeping that leaked would show.
 */
export async function runAgentMemory(ctx: BenchContext): Promise<MemoryResult> {
  const url = (port: number) => `http://127.0.0.1:${port}/mcp`;
  const agentPort = await freePort();
  const barePort = await freePort();
  const memoryFile = join(ctx.tmp, 'agent-memory.json');
  const agent = startAgent(ctx, agentPort, {
    nodeArgs: ['--expose-gc', '--import', join(ctx.root, 'dist/bench/gcPreload.js')],
    env: { MCP_FLEET_BENCH_MEMORY_FILE: memoryFile },
  });
  const bare = startBare(ctx, barePort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agent);
  await waitHealthy(`http://127.0.0.1:${barePort}/`, bare);
  await sleep(500);
  const idleAgentKb = rssKb(agent.pid ?? 0);
  const idleBareKb = rssKb(bare.pid ?? 0);

  const samples: Array<{ calls: number; rssBefore: number; after: Memory }> = [];
  let legacy = await connectMcp(url(agentPort), AGENT_TOKEN, 'legacy');
  let modern = await connectMcp(url(agentPort), AGENT_TOKEN, 'modern');
  try {
    for (let i = 1; i <= MEMORY_CALLS; i++) {
      await mixedCall(i % 2 === 0 ? legacy : modern, Math.floor(i / 2));
      if (i % RECONNECT_EVERY === 0 && i < MEMORY_CALLS) {
        await Promise.all([legacy.close(), modern.close()]);
        legacy = await connectMcp(url(agentPort), AGENT_TOKEN, 'legacy');
        modern = await connectMcp(url(agentPort), AGENT_TOKEN, 'modern');
      }
      if (i % SAMPLE_EVERY === 0) {
        const rssBefore = rssKb(agent.pid ?? 0) * 1024;
        samples.push({ calls: i, rssBefore, after: await memoryAfterGc(agent, memoryFile) });
      }
    }
  } finally {
    await Promise.all([legacy.close(), modern.close()]);
  }
  await ctx.procs.stop(agent);
  await ctx.procs.stop(bare);

  const warm = samples.find((s) => s.calls === WARM_CALLS);
  const last = samples[samples.length - 1];
  if (!warm || !last) throw new Error('memory bench took no samples');
  const calls = (n: number) => n.toLocaleString('en');
  const growthRow = (what: string, pick: (m: Memory) => number): Row => ({
    name: `agent ${what} after ${calls(MEMORY_CALLS)} calls, after a full GC`,
    result: formatSummary(single(mb(pick(last.after))), 'MB'),
    baseline: formatBaseline(
      `same agent after ${calls(WARM_CALLS)} calls`,
      single(mb(pick(warm.after))),
      'MB',
    ),
    ratio: pick(last.after) / pick(warm.after),
    budget: `≤ ${GROWTH_BUDGET.toFixed(2)}× baseline (no growth beyond 10 %)`,
    pass: pick(last.after) <= GROWTH_BUDGET * pick(warm.after),
  });
  const series = (pick: (s: (typeof samples)[number]) => number) =>
    `${samples.map((s) => mb(pick(s)).toFixed(1)).join(', ')} MB`;
  const rows: Row[] = [
    {
      name: 'agent RSS idle',
      result: formatSummary(single(idleAgentKb / 1024), 'MB'),
      baseline: formatBaseline('bare node:http server', single(idleBareKb / 1024), 'MB'),
      ratio: idleAgentKb / idleBareKb,
      budget: '≤ baseline + 10 MB',
      pass: idleAgentKb / 1024 <= idleBareKb / 1024 + 10,
    },
    growthRow('V8 heap used', (m) => m.heapUsed),
    growthRow('RSS', (m) => m.rss),
    reportOnly(
      `agent RSS every ${calls(SAMPLE_EVERY)} calls, as found`,
      series((s) => s.rssBefore),
    ),
    reportOnly(
      `agent V8 heap used every ${calls(SAMPLE_EVERY)} calls, after a full GC`,
      series((s) => s.after.heapUsed),
    ),
  ];
  return {
    rows,
    notes: [
      `Memory rows: a fresh agent; ${calls(MEMORY_CALLS)} calls in turn exec \`echo hi\`, read_file /proc/loadavg, ` +
        'system_status and list_dir /etc, alternating a legacy-era session and a modern-era client, both reconnected every ' +
        `${RECONNECT_EVERY} calls. The idle RSS is read 500 ms after /healthz answers. Every ${calls(SAMPLE_EVERY)} calls ` +
        'the RSS is read as found (/proc/PID/status), then the agent, started with `--expose-gc --import bench/gcPreload.js` ' +
        '(the bench only), runs two full collections on SIGUSR2 and reports `process.memoryUsage()`: RSS as found measures ' +
        'when V8 chose to collect; the heap after a full collection is what a leak would grow.',
    ],
  };
}

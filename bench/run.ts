import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { fmt, type Summary, summarize } from './stats.js';

/**
 * `npm run bench`: measures the agent against baselines started in the same run (these
 * machines are noisy, so only ratios within one run mean much) and writes bench/RESULTS.md.
 * Everything talks to 127.0.0.1 only; every loop has a fixed count.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/src/bin/mcp-fleet.js');
const BARE = join(ROOT, 'dist/bench/bareServer.js');
const TOKEN = 'bench-token';
const ROUNDS = 300;
const WARMUP = 30;

let nextPort = 19_000 + Math.floor(Math.random() * 2000);

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`process exited ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} never came up`);
}

function startAgent(port: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      BIN,
      'agent',
      '--listen',
      `127.0.0.1:${port}`,
      '--audit-log',
      join(tmpdir(), `bench-audit-${port}.jsonl`),
    ],
    { env: { ...process.env, MCP_FLEET_TOKEN: TOKEN, MCP_FLEET_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
  );
}

function startBare(port: number): ChildProcess {
  return spawn(process.execPath, [BARE, String(port)], { stdio: 'ignore' });
}

async function connect(port: number, era: 'legacy' | 'modern'): Promise<Client> {
  const client = new Client(
    { name: 'bench', version: '1' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    }),
  );
  return client;
}

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

interface Row {
  name: string;
  summary: Summary;
  unit: string;
  baseline?: { name: string; summary: Summary };
  budget: string;
  pass: boolean;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const agentPort = nextPort++;
  const barePort = nextPort++;

  // Cold start: process spawn to first answer, agent (first tools/call) against bare node (first GET).
  const coldAgent: number[] = [];
  const coldBare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const port = nextPort++;
    let t = performance.now();
    const a = startAgent(port);
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, a);
    const c = await connect(port, 'legacy');
    await c.callTool({ name: 'exec', arguments: { argv: ['true'] } });
    coldAgent.push(performance.now() - t);
    await c.close();
    a.kill('SIGKILL');
    const bport = nextPort++;
    t = performance.now();
    const b = startBare(bport);
    await waitHealthy(`http://127.0.0.1:${bport}/`, b);
    coldBare.push(performance.now() - t);
    b.kill('SIGKILL');
  }

  const agent = startAgent(agentPort);
  const bare = startBare(barePort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agent);
  await waitHealthy(`http://127.0.0.1:${barePort}/`, bare);
  await new Promise((r) => setTimeout(r, 500));
  const idleAgent = rssKb(agent.pid ?? 0);
  const idleBare = rssKb(bare.pid ?? 0);

  const bareExec = await time(ROUNDS, async () => {
    const r = await fetch(`http://127.0.0.1:${barePort}/`, {
      method: 'POST',
      body: '{"argv":["echo","hi"]}',
    });
    await r.json();
  });
  const results: Record<string, number[]> = {};
  for (const era of ['legacy', 'modern'] as const) {
    const client = await connect(agentPort, era);
    results[`exec-${era}`] = await time(ROUNDS, () =>
      client.callTool({ name: 'exec', arguments: { argv: ['echo', 'hi'] } }),
    );
    results[`status-${era}`] = await time(100, () =>
      client.callTool({ name: 'system_status', arguments: {} }),
    );
    await client.close();
  }
  const load = await connect(agentPort, 'legacy');
  for (let i = 0; i < 1000; i++)
    await load.callTool({ name: 'read_file', arguments: { path: '/proc/loadavg' } });
  await load.close();
  const loadedAgent = rssKb(agent.pid ?? 0);
  const loadedBare = rssKb(bare.pid ?? 0);
  agent.kill('SIGTERM');
  bare.kill('SIGTERM');

  const bareSummary = summarize(bareExec);
  for (const era of ['legacy', 'modern'] as const) {
    const s = summarize(results[`exec-${era}`] ?? []);
    rows.push({
      name: `exec round trip, MCP ${era} era`,
      summary: s,
      unit: 'ms',
      baseline: { name: 'bare node:http + child_process', summary: bareSummary },
      budget: '≤ 1.5× baseline',
      pass: s.median <= 1.5 * bareSummary.median,
    });
  }
  for (const era of ['legacy', 'modern'] as const) {
    const s = summarize(results[`status-${era}`] ?? []);
    rows.push({
      name: `system_status via MCP, ${era} era`,
      summary: s,
      unit: 'ms',
      budget: '< 10 ms',
      pass: s.median < 10,
    });
  }
  const mb = (kb: number) => kb / 1024;
  const one = (v: number) => ({ median: v, min: v, max: v, n: 1 });
  rows.push({
    name: 'RSS idle',
    summary: one(mb(idleAgent)),
    unit: 'MB',
    baseline: { name: 'bare node:http server', summary: one(mb(idleBare)) },
    budget: '≤ baseline + 10 MB',
    pass: mb(idleAgent) <= mb(idleBare) + 10,
  });
  rows.push({
    name: `RSS after ${2 * ROUNDS + 200 + 1000 + 2 * WARMUP + 60} calls`,
    summary: one(mb(loadedAgent)),
    unit: 'MB',
    baseline: { name: `bare server after ${ROUNDS + WARMUP} calls`, summary: one(mb(loadedBare)) },
    budget: 'report only',
    pass: true,
  });
  const coldA = summarize(coldAgent);
  rows.push({
    name: 'cold start to first tools/call answer',
    summary: coldA,
    unit: 'ms',
    baseline: { name: 'bare node:http to first answer', summary: summarize(coldBare) },
    budget: 'report only',
    pass: true,
  });

  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}. Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ` +
      `${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}. All traffic on 127.0.0.1. ` +
      `Latency rows: median (min–max) over the stated count after ${WARMUP} warm-up calls; baselines ran in the same run.`,
    '',
    '| measurement | result | baseline | ratio | budget | verdict |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const s = r.summary;
    const res =
      s.n > 1
        ? `${fmt(s.median)} ${r.unit} (${fmt(s.min)}–${fmt(s.max)}, n=${s.n})`
        : `${fmt(s.median, 1)} ${r.unit}`;
    const b = r.baseline?.summary;
    const base = r.baseline && b ? `${r.baseline.name}: ${fmt(b.median, b.n > 1 ? 2 : 1)} ${r.unit}` : '—';
    const ratio = b && b.median > 0 ? `${fmt(s.median / b.median)}×` : '—';
    lines.push(
      `| ${r.name} | ${res} | ${base} | ${ratio} | ${r.budget} | ${r.budget === 'report only' ? '—' : r.pass ? 'PASS' : 'MISS'} |`,
    );
  }
  lines.push('');
  const out = join(ROOT, 'bench/RESULTS.md');
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchContext, runAgentBench } from './agentBench.js';
import { distStamp } from './distStamp.js';
import { FLEET_SIZE, runFanoutBench } from './hubFanout.js';
import { HUNG_DEVICE_TIMEOUT_S, runHungBench } from './hubHung.js';
import { runHubOverhead } from './hubOverhead.js';
import { createProcessSet } from './procs.js';
import { renderReport, type Section } from './report.js';
import { launchSimFleet } from './simLauncher.js';
import { runSshBench } from './sshBench.js';

/**
 * `npm run bench`: measures the agent, the hub and the SSH connector against baselines started
 * in the same run (these machines are noisy, so only ratios within one run mean much) and
 * writes bench/RESULTS.md. Everything talks to 127.0.0.1 only; every loop has a fixed count or
 * bound; every process started is killed at the end, on failure too. docs/benchmarks.md says
 * how each figure is taken. `run.js ssh` (or `agent`, `hub`, several) runs only those sections
 * and prints them without touching RESULTS.md.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const HUNG = 100;
const SECTIONS = ['agent', 'hub', 'ssh'] as const;
type SectionName = (typeof SECTIONS)[number];

function selectSections(args: readonly string[]): Set<SectionName> {
  const unknown = args.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length)
    throw new Error(`unknown section ${unknown.join(', ')}: choose from ${SECTIONS.join(', ')}`);
  return new Set(args.length ? (args as SectionName[]) : SECTIONS);
}

/** Hub overhead, then the simulated fleet for fan-out, RSS, concurrency and hung devices. */
async function runHubSections(ctx: BenchContext, step: (what: string) => void): Promise<Section> {
  step('hub overhead');
  const overhead = await runHubOverhead(ctx);
  step(`simulated fleet: ${FLEET_SIZE} agents + ${HUNG} hung ports`);
  const sim = await launchSimFleet(ctx, FLEET_SIZE, HUNG);
  step('hub fan-out, RSS, concurrent clients');
  const fanout = await runFanoutBench(ctx, sim, overhead.hubIdleOneDeviceKb);
  step('hub fan-out with hung devices');
  const hung = await runHungBench(ctx, sim);
  await ctx.procs.stop(sim.child);
  return {
    title: 'Hub',
    rows: [...overhead.rows, ...fanout.rows, ...hung.rows],
    notes: [
      'Hub configs: `fanout: { concurrency: 64, device_timeout_s: 10, deadline_s: 60 }`, `heartbeat: { interval_s: 15 }` ' +
        `(heartbeat timeout 5 s and down_after 2 by default); the hung-device rows set \`device_timeout_s: ${HUNG_DEVICE_TIMEOUT_S}\`. ` +
        'Clients use the MCP modern era unless a row says otherwise; the hub picks its own era towards agents.',
      `Simulated devices: one helper process (dist/bench/simAgents.js) serves ${FLEET_SIZE} real agent endpoints ` +
        `(the agent's own HTTP front, MCP server and tool pipeline) on ${FLEET_SIZE} loopback ports, plus ${HUNG} ports ` +
        'that accept connections and never answer. Per-device status work is real, but every device is this machine ' +
        'and one process, sharing its cores with the hub and the bench client.',
      ...overhead.notes,
      ...fanout.notes,
      ...hung.notes,
    ],
  };
}

async function main(): Promise<void> {
  const wanted = selectSections(process.argv.slice(2));
  const procs = createProcessSet();
  process.on('exit', () => procs.killAllNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      procs.killAllNow();
      process.exit(130);
    });
  }
  const ctx: BenchContext = { root: ROOT, procs, tmp: mkdtempSync(join(tmpdir(), 'mcp-fleet-bench-')) };
  let ok = false;
  const dist = join(ROOT, 'dist');
  const stampAtStart = distStamp(dist);
  try {
    const step = (what: string) => process.stderr.write(`bench: ${what}\n`);
    const sections: Section[] = [];
    if (wanted.has('agent')) {
      step('agent');
      sections.push(await runAgentBench(ctx));
    }
    if (wanted.has('hub')) sections.push(await runHubSections(ctx, step));
    if (wanted.has('ssh')) {
      step('ssh: sshd on loopback, SshDevice, hub, ssh-mcp, fresh ssh');
      sections.push(await runSshBench(ctx));
    }
    const stampAtEnd = distStamp(dist);
    if (stampAtEnd !== stampAtStart) {
      throw new Error(
        `dist/ was rebuilt during the run (${stampAtStart} → ${stampAtEnd}): the rows would mix two ` +
          'versions, so no RESULTS.md is written; run the bench again when nothing else builds',
      );
    }

    const report = renderReport(
      new Date(),
      'Only ratios within one run mean much; docs/benchmarks.md says how each figure is taken.',
      sections,
    );
    // A partial run prints its sections but leaves RESULTS.md whole.
    if (wanted.size === SECTIONS.length) writeFileSync(join(ROOT, 'bench/RESULTS.md'), report);
    process.stdout.write(report);
    ok = true;
  } finally {
    await procs.stopAll();
    if (ok) rmSync(ctx.tmp, { recursive: true, force: true });
    else process.stderr.write(`bench: logs and configs kept in ${ctx.tmp}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

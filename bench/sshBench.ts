import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { noAudit } from '../src/audit/index.js';
import { PolicySchema } from '../src/policy/index.js';
import { createToolCatalog, createToolPipeline } from '../src/tools/index.js';
import { packageVersion } from '../src/version.js';
import { AGENT_TOKEN, type BenchContext, startAgent } from './agentBench.js';
import { HUB_TOKEN, type RunningHub, startHub } from './hubProcess.js';
import { connectMcp, fleetEntries } from './mcpClient.js';
import { cpuMs, freePort, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row, reportOnly, type Section } from './report.js';
import { startBenchSshd } from './sshd.js';
import { SSH_MCP_TOOL, type SshMcpPeer, startSshMcp } from './sshMcpPeer.js';
import { benchSshDevice, execOnNewChannel, freshSshArgs, sshFleetYaml } from './sshPaths.js';
import { fmt, type Summary, summarize } from './stats.js';
import { time, timeRotating } from './timing.js';

export const SSH_ROUNDS = 200;
export const SSH_WARMUP = 20;
/** A fresh OpenSSH client is a whole handshake per call: fewer rounds keep the run short. */
export const FRESH_SSH_ROUNDS = 30;
export const STATUS_ROUNDS = 100;
/** The device budget: one command over an open bridge, median. */
export const BRIDGE_BUDGET_MS = 10;

const COMMAND = ['echo', 'hi'];
const EXPECTED = 'hi\n';
const DEVICE = 'ssh0';
const run = promisify(execFile);

/** Throws unless an exec-shaped result printed `hi`: a refusal must never be timed as an answer. */
function expectHi(what: string, stdout: unknown): void {
  if (stdout !== EXPECTED)
    throw new Error(`${what}: expected ${JSON.stringify(EXPECTED)}, got ${JSON.stringify(stdout)}`);
}

function expectOk(what: string, r: { isError?: unknown; content?: unknown }): void {
  if (r.isError) throw new Error(`${what} failed: ${JSON.stringify(r.content).slice(0, 300)}`);
}

/** A report-only row: `ours` with `theirs` as baseline, ratio of medians ours ÷ theirs. */
const ratioRow = (name: string, ours: Summary, label: string, theirs: Summary): Row =>
  reportOnly(
    name,
    formatSummary(ours, 'ms'),
    formatBaseline(label, theirs, 'ms'),
    ours.median / theirs.median,
  );

/**
 * SSH: one command's round trip over the same sshd five ways (SshDevice in-process, the agent
 * over MCP/HTTP without SSH, SshDevice behind the hub, the ssh-mcp peer over stdio, a fresh
 * OpenSSH client), then system_status over SSH against the agent's. The first four are timed
 * in rotation so drift lands on all of them.
 */
export async function runSshBench(ctx: BenchContext): Promise<Section> {
  const sshd = await startBenchSshd(ctx);
  const agentPort = await freePort();
  const agentProc = startAgent(ctx, agentPort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agentProc);
  const hub: RunningHub = await startHub(ctx, 'hub-ssh', sshFleetYaml(sshd, DEVICE), {});
  const device = benchSshDevice(sshd, DEVICE);
  let peer: SshMcpPeer | undefined;
  const clients: Client[] = [];
  try {
    peer = await startSshMcp(ctx, sshd);
    const peerClient = peer.client;
    const agent = await connectMcp(`http://127.0.0.1:${agentPort}/mcp`, AGENT_TOKEN, 'legacy');
    clients.push(agent);
    const viaHub = await connectMcp(hub.url, HUB_TOKEN, 'legacy');
    clients.push(viaHub);

    const paths = [
      async () => {
        const r = await device.exec({ argv: COMMAND, timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 });
        expectHi('SshDevice.exec', r.stdout);
      },
      async () => {
        const r = await agent.callTool({ name: 'exec', arguments: { argv: COMMAND } });
        expectOk('agent exec', r);
        expectHi('agent exec', (r.structuredContent as { stdout?: unknown } | undefined)?.stdout);
      },
      async () => {
        const r = await viaHub.callTool({
          name: 'fleet_exec',
          arguments: { targets: DEVICE, argv: COMMAND },
        });
        const entry = fleetEntries(r)[0];
        if (!entry?.ok) throw new Error(`fleet_exec on ${DEVICE}: ${JSON.stringify(entry?.error)}`);
        expectHi('fleet_exec', entry.result?.stdout);
      },
      async () => {
        const r = await peerClient.callTool({
          name: SSH_MCP_TOOL,
          arguments: { command: COMMAND.join(' ') },
        });
        expectOk(`ssh-mcp ${SSH_MCP_TOOL}`, r);
        const text = (r.content as Array<{ text?: string }> | undefined)?.[0]?.text;
        // ssh-mcp returns the output as text; it may trim the trailing newline.
        expectHi(`ssh-mcp ${SSH_MCP_TOOL}`, text?.endsWith('\n') ? text : `${text}\n`);
      },
      async () => expectHi('new channel', await execOnNewChannel(device.connection, COMMAND.join(' '))),
    ];
    const cpu0 = { agent: cpuMs(agentProc.pid ?? 0), hub: cpuMs(hub.pid), peer: cpuMs(peer.pid) };
    const [direct = [], viaAgent = [], hubSamples = [], peerSamples = [], channelSamples = []] =
      await timeRotating(SSH_ROUNDS, SSH_WARMUP, paths);
    const calls = SSH_ROUNDS + SSH_WARMUP;
    const cpu = {
      agent: (cpuMs(agentProc.pid ?? 0) - cpu0.agent) / calls,
      hub: (cpuMs(hub.pid) - cpu0.hub) / calls,
      peer: (cpuMs(peer.pid) - cpu0.peer) / calls,
    };

    const args = freshSshArgs(sshd, COMMAND);
    const fresh = await time(FRESH_SSH_ROUNDS, 3, async () => {
      const { stdout } = await run('ssh', args, { timeout: 10_000 });
      expectHi('fresh ssh', stdout);
    });

    // system_status: the agent's tool pipeline over SshDevice in this process, the agent over
    // MCP, and the hub's fleet_status on the SSH device (its in-process pipeline plus MCP).
    const version = packageVersion();
    const policy = PolicySchema.parse({});
    const pipeline = createToolPipeline({
      catalog: createToolCatalog({
        status: { self: () => ({ version, pid: process.pid, rss_bytes: process.memoryUsage.rss() }) },
      }),
      device,
      policy: () => policy,
      audit: noAudit,
    });
    const [statusSsh = [], statusAgent = [], statusHub = []] = await timeRotating(STATUS_ROUNDS, 10, [
      async () =>
        expectOk('system_status over SSH', await pipeline.call('system_status', {}, { principal: 'bench' })),
      async () =>
        expectOk('agent system_status', await agent.callTool({ name: 'system_status', arguments: {} })),
      async () => {
        const entry = fleetEntries(
          await viaHub.callTool({ name: 'fleet_status', arguments: { targets: DEVICE } }),
        )[0];
        if (!entry?.ok) throw new Error(`fleet_status on ${DEVICE}: ${JSON.stringify(entry?.error)}`);
      },
    ]);
    await pipeline.drain();

    const d = summarize(direct);
    const a = summarize(viaAgent);
    const h = summarize(hubSamples);
    const p = summarize(peerSamples);
    const f = summarize(fresh);
    const c = summarize(channelSamples);
    const peerName = `ssh-mcp ${peer.version} \`${SSH_MCP_TOOL}\``;
    const rows: Row[] = [
      {
        name: 'SSH exec round trip: SshDevice.exec in-process (open bridge, no MCP)',
        result: formatSummary(d, 'ms'),
        budget: `< ${BRIDGE_BUDGET_MS} ms`,
        pass: d.median < BRIDGE_BUDGET_MS,
      },
      reportOnly('SSH exec round trip: SshDevice via hub (`fleet_exec`, MCP/HTTP)', formatSummary(h, 'ms')),
      reportOnly(`SSH exec round trip: ${peerName} over MCP stdio`, formatSummary(p, 'ms')),
      reportOnly(
        'SSH exec round trip: new channel per call on an open connection (no MCP)',
        formatSummary(c, 'ms'),
      ),
      reportOnly('exec round trip without SSH: agent `exec` over MCP/HTTP', formatSummary(a, 'ms')),
      reportOnly(
        'SSH exec round trip: fresh OpenSSH client per call (`ssh … echo hi`)',
        formatSummary(f, 'ms'),
      ),
      ratioRow('SshDevice.exec vs ssh-mcp', d, peerName, p),
      ratioRow('SshDevice.exec vs new channel per call, same connection', d, 'channel per call', c),
      ratioRow('SshDevice.exec vs fresh OpenSSH client', d, 'fresh `ssh`', f),
      ratioRow('SshDevice.exec vs agent `exec` over MCP/HTTP', d, 'agent exec', a),
      ratioRow('SshDevice via hub vs ssh-mcp (both behind MCP)', h, peerName, p),
    ];
    const sS = summarize(statusSsh);
    const sA = summarize(statusAgent);
    const sH = summarize(statusHub);
    rows.push(
      ratioRow(
        'system_status over SSH: tool pipeline over SshDevice, in-process',
        sS,
        'agent over MCP/HTTP',
        sA,
      ),
      ratioRow('system_status over SSH via hub (`fleet_status`, MCP/HTTP)', sH, 'agent over MCP/HTTP', sA),
    );
    return {
      title: 'SSH',
      rows,
      notes: [
        `One OpenSSH server (\`/usr/sbin/sshd\`, ed25519 keys generated for the run, user ${sshd.user}) on ` +
          '127.0.0.1; every SSH path uses it, and the agent runs on the same machine. Sessions get an empty HOME ' +
          '(sshd `SetEnv`), so no shell startup file runs on any path. Command: `echo hi` (argv where the tool ' +
          'takes argv); every call checks that `hi` came back.',
        `The first five exec paths are timed in rotation (round i starts with path i mod 5), ${SSH_WARMUP} ` +
          `warm-up rounds, then ${SSH_ROUNDS}; the fresh OpenSSH client after them, 3 warm-up, ` +
          `${FRESH_SSH_ROUNDS} timed. system_status: the three paths in rotation, 10 warm-up rounds, then ${STATUS_ROUNDS}. ` +
          'MCP clients pin the legacy era on every path, the only one ssh-mcp (SDK v1) speaks.',
        `Process CPU per exec call: agent ${fmt(cpu.agent)} ms, hub ${fmt(cpu.hub)} ms, ssh-mcp ${fmt(cpu.peer)} ms ` +
          '(the commands and sshd are not counted).',
        `${peerName}: a profile with approval \`auto\`, role \`admin\`, group \`dev\` and the host key pinned; ` +
          'it opens an exec channel per command on one kept connection and writes its audit log. ' +
          'SshDevice.exec runs the command through an already open bridge (a remote /bin/sh on one channel), ' +
          'with no MCP, policy or audit; the hub row adds all three.',
      ],
    };
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await peer?.close().catch(() => {});
    device.close();
    await ctx.procs.stop(hub.child);
    await ctx.procs.stop(agentProc);
    await ctx.procs.stop(sshd.child);
  }
}

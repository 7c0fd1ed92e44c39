import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { noAudit } from '../src/audit/index.js';
import { PolicySchema } from '../src/policy/index.js';
import { createToolCatalog, createToolPipeline } from '../src/tools/index.js';
import { packageVersion } from '../src/version.js';
import { AGENT_TOKEN, type BenchContext, startAgent } from './agentBench.js';
import { HUB_TOKEN, startHub } from './hubProcess.js';
import { connectMcp, fleetEntries } from './mcpClient.js';
import { cpuMs, freePort, waitHealthy } from './procs.js';
import { formatBaseline, formatSummary, type Row, reportOnly, type Section } from './report.js';
import { startBenchSshd } from './sshd.js';
import { SSH_MCP_TOOL, type SshMcpPeer, startSshMcp } from './sshMcpPeer.js';
import {
  benchSshConnection,
  benchSshDevice,
  execOnNewChannel,
  freshSshArgs,
  sshFleetYaml,
} from './sshPaths.js';
import { fmt, type Summary, summarize } from './stats.js';
import { time, timeRotating } from './timing.js';

export const SSH_ROUNDS = 200;
export const SSH_WARMUP = 20;
/** A fresh OpenSSH client is a whole handshake per call: fewer rounds keep the run short. */
export const FRESH_SSH_ROUNDS = 30;
export const STATUS_ROUNDS = 100;
/** Rounds of the shared-connection figure; each also opens a channel (untimed). */
export const SHARED_ROUNDS = 100;
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

/** ssh-mcp's `run-command` with `echo hi`; its answer is the output as text. */
async function peerExec(peer: SshMcpPeer): Promise<void> {
  const r = await peer.client.callTool({ name: SSH_MCP_TOOL, arguments: { command: COMMAND.join(' ') } });
  expectOk(`ssh-mcp ${SSH_MCP_TOOL}`, r);
  const text = (r.content as Array<{ text?: string }> | undefined)?.[0]?.text;
  expectHi(`ssh-mcp ${SSH_MCP_TOOL}`, text?.endsWith('\n') ? text : `${text}\n`); // it may trim the newline
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
 * SSH: one command's round trip over the same sshd several ways (SshDevice in-process and behind
 * the hub, the ssh-mcp peer over stdio as shipped and with TCP_NODELAY, a bare channel per call,
 * a fresh OpenSSH client; the agent over MCP/HTTP without SSH for scale), system_status over SSH
 * against the agent's, and SshDevice on a connection other channels also use.
 */
export async function runSshBench(ctx: BenchContext): Promise<Section> {
  const sshd = await startBenchSshd(ctx);
  const agentPort = await freePort();
  const agentProc = startAgent(ctx, agentPort);
  await waitHealthy(`http://127.0.0.1:${agentPort}/healthz`, agentProc);
  const hub = await startHub(ctx, 'hub-ssh', sshFleetYaml(sshd, DEVICE), {});
  const device = benchSshDevice(sshd, DEVICE);
  // Its own connection: channels opening and closing next to the bridge slow the bridge (the
  // shared-connection row measures that), so the per-call channel path must not share it.
  const channels = benchSshConnection(sshd, `${DEVICE}-channels`);
  const peers: SshMcpPeer[] = [];
  const clients: Client[] = [];
  try {
    const peer = await startSshMcp(ctx, sshd);
    peers.push(peer);
    const peerNoDelay = await startSshMcp(ctx, sshd, { noDelay: true });
    peers.push(peerNoDelay);
    const agent = await connectMcp(`http://127.0.0.1:${agentPort}/mcp`, AGENT_TOKEN, 'legacy');
    clients.push(agent);
    const viaHub = await connectMcp(hub.url, HUB_TOKEN, 'legacy');
    clients.push(viaHub);
    const deviceExec = async () => {
      const r = await device.exec({ argv: COMMAND, timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 });
      expectHi('SshDevice.exec', r.stdout);
    };

    const pids = { agent: agentProc.pid ?? 0, hub: hub.pid, peer: peer.pid, peerNoDelay: peerNoDelay.pid };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
    const [direct = [], viaHubExec = [], stock = [], noDelay = [], channel = [], viaAgent = []] =
      await timeRotating(SSH_ROUNDS, SSH_WARMUP, [
        deviceExec,
        async () => {
          const r = await viaHub.callTool({
            name: 'fleet_exec',
            arguments: { targets: DEVICE, argv: COMMAND },
          });
          const entry = fleetEntries(r)[0];
          if (!entry?.ok) throw new Error(`fleet_exec on ${DEVICE}: ${JSON.stringify(entry?.error)}`);
          expectHi('fleet_exec', entry.result?.stdout);
        },
        () => peerExec(peer),
        () => peerExec(peerNoDelay),
        async () => expectHi('new channel', await execOnNewChannel(channels, COMMAND.join(' '))),
        async () => {
          const r = await agent.callTool({ name: 'exec', arguments: { argv: COMMAND } });
          expectOk('agent exec', r);
          expectHi('agent exec', (r.structuredContent as { stdout?: unknown } | undefined)?.stdout);
        },
      ]);
    const calls = SSH_ROUNDS + SSH_WARMUP;
    const cpu = (k: keyof typeof pids) => fmt((cpuMs(pids[k]) - (cpu0[k] ?? 0)) / calls);
    const cpuNote =
      `Process CPU per exec call: agent ${cpu('agent')} ms, hub ${cpu('hub')} ms, ssh-mcp ${cpu('peer')} ms, ` +
      `ssh-mcp with TCP_NODELAY ${cpu('peerNoDelay')} ms (the commands and sshd are not counted).`;

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
        expectOk('status over SSH', await pipeline.call('system_status', {}, { principal: 'bench' })),
      async () => expectOk('agent status', await agent.callTool({ name: 'system_status', arguments: {} })),
      async () => {
        const r = await viaHub.callTool({ name: 'fleet_status', arguments: { targets: DEVICE } });
        const entry = fleetEntries(r)[0];
        if (!entry?.ok) throw new Error(`fleet_status on ${DEVICE}: ${JSON.stringify(entry?.error)}`);
      },
    ]);
    await pipeline.drain();

    // Last, as it may leave the device's connection in the slow state: before each timed exec a
    // channel opens and closes on the same connection (as SFTP or agent_command traffic would).
    const shared: number[] = [];
    for (let i = 0; i < SHARED_ROUNDS + 10; i++) {
      expectHi('new channel', await execOnNewChannel(device.connection, COMMAND.join(' ')));
      const t = performance.now();
      await deviceExec();
      if (i >= 10) shared.push(performance.now() - t);
    }

    const d = summarize(direct);
    const h = summarize(viaHubExec);
    const p = summarize(stock);
    const n = summarize(noDelay);
    const c = summarize(channel);
    const a = summarize(viaAgent);
    const f = summarize(fresh);
    const peerName = `ssh-mcp ${peer.version} \`${SSH_MCP_TOOL}\``;
    const sA = summarize(statusAgent);
    const rows: Row[] = [
      {
        name: 'SSH exec round trip: SshDevice.exec in-process (open bridge, no MCP)',
        result: formatSummary(d, 'ms'),
        budget: `< ${BRIDGE_BUDGET_MS} ms`,
        pass: d.median < BRIDGE_BUDGET_MS,
      },
      reportOnly('SSH exec round trip: SshDevice via hub (`fleet_exec`, MCP/HTTP)', formatSummary(h, 'ms')),
      reportOnly(`SSH exec round trip: ${peerName} over MCP stdio, as shipped`, formatSummary(p, 'ms')),
      reportOnly(`SSH exec round trip: ${peerName}, TCP_NODELAY preloaded`, formatSummary(n, 'ms')),
      reportOnly(
        'SSH exec round trip: new channel per call on an open connection (no MCP)',
        formatSummary(c, 'ms'),
      ),
      reportOnly(
        'SSH exec round trip: fresh OpenSSH client per call (`ssh … echo hi`)',
        formatSummary(f, 'ms'),
      ),
      reportOnly('exec round trip without SSH: agent `exec` over MCP/HTTP', formatSummary(a, 'ms')),
      ratioRow('SshDevice.exec vs ssh-mcp as shipped', d, 'ssh-mcp', p),
      ratioRow('SshDevice.exec vs ssh-mcp with TCP_NODELAY', d, 'ssh-mcp, TCP_NODELAY', n),
      ratioRow('SshDevice.exec vs a new channel per call', d, 'channel per call', c),
      ratioRow('SshDevice.exec vs fresh OpenSSH client', d, 'fresh `ssh`', f),
      ratioRow('SshDevice.exec vs agent `exec` over MCP/HTTP', d, 'agent exec', a),
      ratioRow('SshDevice via hub vs ssh-mcp as shipped (both behind MCP)', h, 'ssh-mcp', p),
      ratioRow(
        'SshDevice via hub vs ssh-mcp with TCP_NODELAY (both behind MCP)',
        h,
        'ssh-mcp, TCP_NODELAY',
        n,
      ),
      ratioRow(
        'SshDevice.exec, each call right after a channel opened and closed on its connection',
        summarize(shared),
        'SshDevice.exec alone',
        d,
      ),
      ratioRow(
        'system_status over SSH: tool pipeline over SshDevice, in-process',
        summarize(statusSsh),
        'agent over MCP/HTTP',
        sA,
      ),
      ratioRow(
        'system_status over SSH via hub (`fleet_status`, MCP/HTTP)',
        summarize(statusHub),
        'agent over MCP/HTTP',
        sA,
      ),
    ];
    return {
      title: 'SSH',
      rows,
      notes: [
        `One OpenSSH server (\`/usr/sbin/sshd\`, ed25519 keys generated for the run, user ${sshd.user}) on ` +
          '127.0.0.1; every SSH path uses it, and the agent runs on the same machine. Sessions get an empty HOME ' +
          '(sshd `SetEnv`), so no shell startup file runs on any path. Command: `echo hi` (argv where the tool ' +
          'takes argv); every call checks that `hi` came back.',
        `The first six exec paths are timed in rotation (round i starts with path i mod 6), ${SSH_WARMUP} ` +
          `warm-up rounds, then ${SSH_ROUNDS}; then the fresh OpenSSH client, 3 warm-up, ${FRESH_SSH_ROUNDS} timed; ` +
          `system_status, the three paths in rotation, 10 warm-up rounds, then ${STATUS_ROUNDS}; last the ` +
          `shared-connection row, 10 warm-up, ${SHARED_ROUNDS} timed. MCP clients pin the legacy era on every path, ` +
          'the only one ssh-mcp (SDK v1) speaks.',
        cpuNote,
        `${peerName}: a profile with approval \`auto\`, role \`admin\`, group \`dev\` and the host key pinned; ` +
          'it keeps one connection, opens an exec channel per command (after an `env` request) and writes its ' +
          'audit log. The TCP_NODELAY instance is the same package with bench/noDelayPreload.js preloaded. ' +
          'SshDevice.exec runs the command through an already open bridge (a remote /bin/sh on one channel), ' +
          'with no MCP, policy or audit; the hub row adds all three. The per-call channel path has a connection ' +
          'of its own.',
      ],
    };
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    for (const peer of peers) await peer.close().catch(() => {});
    device.close();
    channels.close();
    await ctx.procs.stop(hub.child);
    await ctx.procs.stop(agentProc);
    await ctx.procs.stop(sshd.child);
  }
}

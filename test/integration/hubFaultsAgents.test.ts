import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, deviceState, fleetExec, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  fleetByDevice,
  readAudit,
  removeDir,
  sleep,
  structuredOf,
  textOf,
  waitFor,
  waitUntil,
} from '../helpers/toolAssertions.js';

/** The stand-in for a broken agent (test/fixtures/badAgent.mjs): one misbehaviour per port. */
const BAD_AGENT = resolve(import.meta.dirname, '../fixtures/badAgent.mjs');
type BadMode = 'garbage' | 'half-sse' | 'half-sse-end' | 'http500' | 'slow-headers';

interface BadAgents {
  child: ChildProcess;
  port(mode: BadMode): number;
}

/** Starts the stand-in with `specs` (`mode` or `mode:port`) and waits (bounded) for its ports. */
async function startBadAgents(specs: string[]): Promise<BadAgents> {
  const child = spawn(process.execPath, [BAD_AGENT, ...specs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const ports = new Map<string, number>();
  const ready = await waitUntil(() => {
    for (const m of out.matchAll(/^PORT (\S+) (\d+)$/gm)) ports.set(m[1] as string, Number(m[2]));
    return ports.size === specs.length;
  }, 10_000);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`badAgent.mjs did not start: ${err}`);
  }
  return {
    child,
    port(mode) {
      const port = ports.get(mode);
      if (port === undefined) throw new Error(`no stand-in for ${mode}`);
      return port;
    },
  };
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

/** Established TCP connections with `port` at one end (both ends of a loopback connection count). */
function establishedWith(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const f = line.trim().split(/\s+/);
      return f[3] === '01' && (f[1]?.endsWith(hex) === true || f[2]?.endsWith(hex) === true);
    }).length;
}

const BAD_MODES: BadMode[] = ['garbage', 'half-sse', 'half-sse-end', 'http500', 'slow-headers'];
const NOT_HTTP = /^garbage answered something that is not HTTP \(HPE_[A-Z_]+: .+\)$/;

/** Each broken device's entry, the same whatever tool was called. */
function expectBrokenEntries(result: CallToolResult): void {
  const got = fleetByDevice(result);
  expect(got.get('garbage')?.error?.code).toBe('UPSTREAM_ERROR');
  expect(got.get('garbage')?.error?.message).toMatch(NOT_HTTP);
  expect(got.get('http500')?.error).toEqual({
    code: 'UPSTREAM_ERROR',
    message: 'http500 answered HTTP 500: 500 Internal Server Error nginx',
  });
  // Half an event and a stall, half an event and the end, headers that never end: no answer,
  // so each is reported when the device's own timeout (3 s) passes, not the fan-out deadline.
  for (const device of ['half-sse', 'half-sse-end', 'slow-headers']) {
    expect(got.get(device)?.error).toEqual({ code: 'TIMEOUT', message: 'no answer within 3 s' });
  }
  for (const device of BAD_MODES) expect(got.get(device)?.ok).toBe(false);
}

describe('broken agents next to real ones', () => {
  const agents: AgentHandle[] = [];
  let bad: BadAgents | undefined;
  let hub: HubHandle;
  let client: Client;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    bad = await startBadAgents(BAD_MODES);
    const real = agentDevices([
      { name: 'good-1', agent: agents[0] as AgentHandle },
      { name: 'good-2', agent: agents[1] as AgentHandle },
    ]);
    const lines = BAD_MODES.map(
      (mode) => `  ${mode}: { url: "http://127.0.0.1:${bad?.port(mode)}/mcp", token_env: TOKEN_GOOD_1 }`,
    );
    // A slow heartbeat: its first probe makes the broken devices `degraded`, not `down`, so
    // calls still reach them and show what each misbehaviour becomes.
    hub = await startHub({
      config: `${real.yaml}\n${lines.join('\n')}
fanout: { device_timeout_s: 3, deadline_s: 30 }
heartbeat: { interval_s: 3600, timeout_s: 2, down_after: 3 }
`,
      env: real.env,
    });
    client = await connectClient(hub.url, hub.token, 'modern');
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    await stopChild(bad?.child);
    for (const a of agents) await disposeAgent(a);
    removeDir(hub?.dir);
  });

  it('fleet_exec: the real devices answer, each broken one has its own error, and the hub goes on', async () => {
    const result = await fleetExec(client, 'all', ['echo', 'hi']);
    expect(result.isError).toBeFalsy();
    const got = fleetByDevice(result);
    expect([...got.keys()]).toEqual(['good-1', 'good-2', ...BAD_MODES]);
    for (const device of ['good-1', 'good-2']) {
      expect(got.get(device)?.ok).toBe(true);
      expect(got.get(device)?.result?.stdout).toBe('hi\n');
    }
    expectBrokenEntries(result);
    expect(structuredOf(result).summary).toBe('2 ok, 3 timed out, 2 failed');
    // The broken devices' lines are in the text the model reads, one short line each.
    expect(textOf(result)).toContain('http500 answered HTTP 500');
    expect(hub.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${hub.port}/healthz`)).ok).toBe(true);
  }, 30_000);

  it('fleet_status: the same per-device errors; the real devices report their status', async () => {
    const result = await client.callTool({ name: 'fleet_status', arguments: { targets: 'all' } });
    const got = fleetByDevice(result);
    for (const device of ['good-1', 'good-2']) {
      expect(got.get(device)?.ok).toBe(true);
      expect(typeof got.get(device)?.result?.hostname).toBe('string');
    }
    expectBrokenEntries(result);
  }, 30_000);

  it('keeps no connection open to a stalled device once its call has timed out', async () => {
    await fleetExec(client, 'half-sse,slow-headers', ['true']);
    for (const mode of ['half-sse', 'slow-headers'] as const) {
      const port = bad?.port(mode) ?? 0;
      await waitFor(
        `no connection left with the ${mode} stand-in`,
        () => establishedWith(port) === 0,
        20_000,
      );
    }
  }, 40_000);

  it('does not retry a broken device in a loop: each call costs it one request', async () => {
    const count = async (mode: BadMode) =>
      Number(await (await fetch(`http://127.0.0.1:${bad?.port(mode)}/count`)).text());
    const modes: BadMode[] = ['garbage', 'http500'];
    // The heartbeat's one probe (it runs every hour here) is done: from now on only calls count.
    for (const mode of modes) {
      await waitFor(`${mode} probed`, async () => (await deviceState(client, mode))?.state === 'degraded');
    }
    const before = await Promise.all(modes.map(count));
    await fleetExec(client, modes.join(','), ['true']);
    await fleetExec(client, modes.join(','), ['true']);
    await sleep(1000); // room for a retry, were there one
    const after = await Promise.all(modes.map(count));
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([2, 2]);
  }, 30_000);

  it('a call stuck on a stalled device holds up no other caller, and can be cancelled', async () => {
    // exec's timeout_s stretches the device's budget (20 s + 5 s), so this call waits on half-sse.
    const controller = new AbortController();
    const stuck = client.callTool(
      { name: 'fleet_exec', arguments: { targets: 'half-sse', argv: ['true'], timeout_s: 20 } },
      { signal: controller.signal },
    );
    const outcome = stuck.then(
      () => 'answered',
      () => 'rejected',
    );
    const other = await connectClient(hub.url, hub.token, 'legacy');
    try {
      const result = await fleetExec(other, 'good-1,good-2', ['echo', 'fine']);
      expect([...fleetByDevice(result).values()].map((e) => [e.device, e.result?.stdout])).toEqual([
        ['good-1', 'fine\n'],
        ['good-2', 'fine\n'],
      ]);
      expect(await Promise.race([outcome, sleep(0).then(() => 'waiting')])).toBe('waiting');
    } finally {
      await other.close();
    }
    controller.abort();
    expect(await outcome).toBe('rejected');
    const find = () =>
      readAudit(hub.auditPath).find(
        (l) => l.targets === 'half-sse' && l.devices?.['half-sse'] === 'CANCELLED',
      );
    await waitFor('the cancelled call’s audit line', () => find() !== undefined, 10_000);
    expect(find()?.outcome).toBe('error');
  }, 30_000);

  it('the audit has one whole line per call, with every device’s outcome', async () => {
    const marker = `audit-${Date.now()}`;
    await fleetExec(client, 'all', ['echo', marker]);
    const find = () =>
      readAudit(hub.auditPath).find((l) => (l.args as { argv?: string[] }).argv?.[1] === marker);
    await waitFor('the audit line', () => find() !== undefined, 5000);
    const line = find();
    expect(line?.tool).toBe('fleet_exec');
    expect(line?.outcome).toBe('ok');
    expect(line?.devices).toEqual({
      'good-1': 'ok',
      'good-2': 'ok',
      garbage: 'UPSTREAM_ERROR',
      'half-sse': 'TIMEOUT',
      'half-sse-end': 'TIMEOUT',
      http500: 'UPSTREAM_ERROR',
      'slow-headers': 'TIMEOUT',
    });
    // readAudit parses every line: a torn one would have thrown.
    expect(readFileSync(hub.auditPath, 'utf8').endsWith('\n')).toBe(true);
  }, 30_000);
});

describe('broken agents under a fast heartbeat', () => {
  const agents: AgentHandle[] = [];
  let bad: BadAgents | undefined;
  let hub: HubHandle;
  let client: Client;

  beforeAll(async () => {
    agents.push(await startAgent());
    bad = await startBadAgents(['garbage', 'http500', 'half-sse']);
    const real = agentDevices([{ name: 'good', agent: agents[0] as AgentHandle }]);
    const lines = (['garbage', 'http500', 'half-sse'] as const).map(
      (mode) => `  ${mode}: { url: "http://127.0.0.1:${bad?.port(mode)}/mcp", token_env: TOKEN_GOOD }`,
    );
    hub = await startHub({
      config: `${real.yaml}\n${lines.join('\n')}
fanout: { device_timeout_s: 3, deadline_s: 30 }
heartbeat: { interval_s: 1, timeout_s: 1, down_after: 2, max_backoff_s: 2 }
`,
      env: real.env,
    });
    client = await connectClient(hub.url, hub.token, 'modern');
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    await stopChild(bad?.child);
    for (const a of agents) await disposeAgent(a);
    removeDir(hub?.dir);
  });

  it('fleet_devices shows them down with the reason, and calls to them fail fast as DEVICE_DOWN', async () => {
    for (const device of ['garbage', 'http500', 'half-sse']) {
      await waitFor(
        `${device} down`,
        async () => (await deviceState(client, device))?.state === 'down',
        15_000,
      );
    }
    expect((await deviceState(client, 'good'))?.state).toBe('up');
    expect((await deviceState(client, 'garbage'))?.last_error).toMatch(NOT_HTTP);
    expect((await deviceState(client, 'http500'))?.last_error).toBe(
      'http500 answered HTTP 500: 500 Internal Server Error nginx',
    );
    // The heartbeat's own 1 s limit, or (on a slow machine) the 10 s connect attempt it joined.
    expect(['no answer within 1 s', 'half-sse did not answer in time']).toContain(
      (await deviceState(client, 'half-sse'))?.last_error,
    );
    const result = await fleetExec(client, 'all', ['echo', 'x']);
    const got = fleetByDevice(result);
    expect(got.get('good')?.ok).toBe(true);
    for (const device of ['garbage', 'http500', 'half-sse']) {
      expect(got.get(device)?.error?.code).toBe('DEVICE_DOWN');
      expect(got.get(device)?.error?.message).toMatch(/^down since \d{4}-/);
    }
    expect(structuredOf(result).summary).toBe('1 ok, 3 down');
  }, 40_000);
});

describe('agents that turn bad in the middle of a conversation', () => {
  const agents: AgentHandle[] = [];
  let bad: BadAgents | undefined;
  let hub: HubHandle;
  let client: Client;
  const names = ['turns-garbage', 'turns-500', 'turns-half-sse'] as const;

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) agents.push(await startAgent());
    const devices = agentDevices([
      ...names.map((name, i) => ({ name, agent: agents[i] as AgentHandle })),
      { name: 'steady', agent: agents[3] as AgentHandle },
    ]);
    hub = await startHub({
      config: `${devices.yaml}
fanout: { device_timeout_s: 3, deadline_s: 30 }
heartbeat: { interval_s: 3600, timeout_s: 2, down_after: 3 }
`,
      env: devices.env,
    });
    client = await connectClient(hub.url, hub.token, 'modern');
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    await stopChild(bad?.child);
    for (const a of agents) await disposeAgent(a);
    removeDir(hub?.dir);
  });

  it('a connected device that starts answering garbage, HTTP 500 or half a stream gets its own error', async () => {
    const [a0, a1, a2] = agents as [AgentHandle, AgentHandle, AgentHandle];
    // Every device answered its one heartbeat (the hub's clients are connected, their era known).
    for (const name of [...names, 'steady']) {
      await waitFor(`${name} up`, async () => (await deviceState(client, name))?.state === 'up', 10_000);
    }
    const first = await fleetExec(client, names.join(','), ['true']);
    expect([...fleetByDevice(first).values()].every((e) => e.ok)).toBe(true);
    for (const a of [a0, a1, a2]) a.child.kill('SIGKILL');
    await waitFor('the agents gone', () =>
      [a0, a1, a2].every((a) => a.child.exitCode !== null || a.child.signalCode !== null),
    );
    bad = await startBadAgents([`garbage:${a0.port}`, `http500:${a1.port}`, `half-sse:${a2.port}`]);
    const result = await fleetExec(client, 'all', ['echo', 'still']);
    const got = fleetByDevice(result);
    expect(got.get('steady')?.result?.stdout).toBe('still\n');
    expect(got.get('turns-garbage')?.error?.code).toBe('UPSTREAM_ERROR');
    expect(got.get('turns-garbage')?.error?.message).toMatch(
      /^turns-garbage answered something that is not HTTP \(HPE_[A-Z_]+: .+\)$/,
    );
    expect(got.get('turns-500')?.error).toEqual({
      code: 'UPSTREAM_ERROR',
      message: 'turns-500 answered HTTP 500: 500 Internal Server Error nginx',
    });
    expect(got.get('turns-half-sse')?.error).toEqual({ code: 'TIMEOUT', message: 'no answer within 3 s' });
    expect(hub.child.exitCode).toBeNull();
  }, 40_000);
});

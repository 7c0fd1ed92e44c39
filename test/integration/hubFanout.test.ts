import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  fleetByDevice,
  fleetEntries,
  readAudit,
  sleep,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const entries = (r: Parameters<typeof structuredOf>[0]) => fleetEntries(r);
/**
 * Sockets with 127.0.0.1:`port` at either end, open or recently closed: whichever side closes
 * keeps its socket in TIME_WAIT for a minute, so a connection per call would show here as at
 * least one socket per call.
 */
function connectionsTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const f = line.trim().split(/\s+/);
      return f[1] === `0100007F:${hex}` || f[2] === `0100007F:${hex}`;
    }).length;
}
const byDevice = (r: Parameters<typeof structuredOf>[0]) => fleetByDevice(r);

describe('hub fan-out over real agents', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) agents.push(await startAgent());
    const [a1, a2, a3] = agents as [AgentHandle, AgentHandle, AgentHandle];
    const devices = agentDevices([
      { name: 'pi-1', agent: a1, tags: ['pi', 'lab'] },
      { name: 'pi-2', agent: a2, tags: ['pi'] },
      { name: 'nas', agent: a3, tags: ['storage', 'lab'] },
    ]);
    hub = await startHub({
      config: `${devices.yaml}
groups:
  pis: ["pi-*"]
  labby: ["tag:lab", "!nas"]
fanout: { device_timeout_s: 3, deadline_s: 20 }
heartbeat: { interval_s: 1, timeout_s: 1, down_after: 2 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`lists a constant tool set and every device (${era} client)`, async () => {
      const client = await connectClient(hub.url, hub.token, era);
      try {
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        expect(names).toEqual([
          'fleet_devices',
          'fleet_exec',
          'fleet_list_dir',
          'fleet_logs',
          'fleet_processes',
          'fleet_read_file',
          'fleet_service',
          'fleet_status',
          'fleet_tmux',
          'fleet_write_file',
        ]);
        const devices = await client.callTool({ name: 'fleet_devices', arguments: {} });
        const list = structuredOf(devices).devices as Array<{
          name: string;
          tags: string[];
          connector: string;
        }>;
        expect(list.map((d) => d.name)).toEqual(['pi-1', 'pi-2', 'nas']);
        expect(list[0]?.tags).toEqual(['pi', 'lab']);
        expect(list.every((d) => d.connector === 'agent')).toBe(true);
      } finally {
        await client.close();
      }
    });
  }

  it('runs one call on every device a tag selects and groups identical outputs', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const result = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'tag:pi', argv: ['echo', 'same'] },
      });
      expect(result.isError).toBeFalsy();
      const got = byDevice(result);
      expect([...got.keys()]).toEqual(['pi-1', 'pi-2']);
      for (const e of got.values()) {
        expect(e.ok).toBe(true);
        expect(e.result?.stdout).toBe('same\n');
        expect(e.result?.exit_code).toBe(0);
      }
      expect(structuredOf(result).summary).toBe('2 ok');
      const text = textOf(result);
      expect(text.split('\n')[0]).toBe('2 ok');
      expect(text).toContain('2 devices');
    } finally {
      await client.close();
    }
  });

  it('resolves groups, exclusion and intersection', async () => {
    const client = await connectClient(hub.url, hub.token, 'legacy');
    try {
      const run = async (targets: string) =>
        entries(await client.callTool({ name: 'fleet_exec', arguments: { targets, argv: ['true'] } })).map(
          (e) => e.device,
        );
      expect(await run('group:pis')).toEqual(['pi-1', 'pi-2']);
      expect(await run('group:labby')).toEqual(['pi-1']);
      expect(await run('all,!pi-2')).toEqual(['pi-1', 'nas']);
      expect(await run('tag:lab,&tag:storage')).toEqual(['nas']);
      const bad = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'pi-9', argv: ['true'] },
      });
      expect(bad.isError).toBe(true);
      expect(errorCodeOf(bad)).toBe('INVALID_TARGETS');
      expect(textOf(bad)).toContain('pi-9');
    } finally {
      await client.close();
    }
  });

  it('refuses bad arguments once at the hub, with every problem named', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const result = await client.callTool({ name: 'fleet_exec', arguments: { targets: 'all' } });
      expect(result.isError).toBe(true);
      expect(errorCodeOf(result)).toBe('INVALID_ARGUMENT');
      const missing = await client.callTool({ name: 'fleet_status', arguments: {} });
      expect(errorCodeOf(missing)).toBe('INVALID_ARGUMENT');
      expect(textOf(missing)).toContain('targets');
    } finally {
      await client.close();
    }
  });

  it('writes one audit line per upstream call with every device outcome', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'pi-1,nas', argv: ['echo', 'audited'] },
      });
    } finally {
      await client.close();
    }
    const find = () =>
      readAudit(hub.auditPath).find((l) => l.tool === 'fleet_exec' && l.targets === 'pi-1,nas');
    await waitUntil(() => find() !== undefined, 5000);
    const line = find();
    expect(line?.principal).toBe('token');
    expect(line?.devices).toEqual({ 'pi-1': 'ok', nas: 'ok' });
    expect(line?.outcome).toBe('ok');
  });

  it('reuses one downstream connection per device instead of one per call', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    const agent = agents[0] as AgentHandle;
    const calls = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await client.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'pi-1', argv: ['true'] },
        });
        expect(r.isError).toBeFalsy();
      }
    };
    try {
      await calls(5);
      const warm = connectionsTo(agent.port);
      await calls(40);
      // 40 more calls went over connections kept alive, not 40 new ones. (A heartbeat that overlaps
      // a call can make the pool open one more, so a few new sockets are possible on a busy machine.)
      expect(connectionsTo(agent.port) - warm).toBeLessThan(10);
    } finally {
      await client.close();
    }
  });

  it('reports per-device status through the agents’ own status tool', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const result = await client.callTool({ name: 'fleet_status', arguments: { targets: 'all' } });
      const got = entries(result);
      expect(got).toHaveLength(3);
      for (const e of got) {
        expect(e.ok).toBe(true);
        expect(typeof e.result?.hostname).toBe('string');
        expect(e.result?.memory).toBeTruthy();
      }
    } finally {
      await client.close();
    }
  });
});

describe('hub fan-out when devices fail', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) agents.push(await startAgent());
    const [a1, a2, a3] = agents as [AgentHandle, AgentHandle, AgentHandle];
    const devices = agentDevices([
      { name: 'ok-1', agent: a1 },
      { name: 'victim', agent: a2 },
      { name: 'ok-2', agent: a3 },
    ]);
    hub = await startHub({
      config: `${devices.yaml}
fanout: { device_timeout_s: 2, deadline_s: 15 }
heartbeat: { interval_s: 1, timeout_s: 1, down_after: 2 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) {
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGCONT');
      await disposeAgent(a);
    }
  });

  it('a hung (SIGSTOPped) agent times out while the others answer', async () => {
    const victim = agents[1] as AgentHandle;
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      // Warm the connections first, so the hang is mid-conversation, not at connect.
      await client.callTool({ name: 'fleet_exec', arguments: { targets: 'all', argv: ['true'] } });
      process.kill(victim.child.pid as number, 'SIGSTOP');
      const started = Date.now();
      const result = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['echo', 'x'] },
      });
      const elapsed = Date.now() - started;
      const got = byDevice(result);
      expect(got.get('ok-1')?.ok).toBe(true);
      expect(got.get('ok-2')?.ok).toBe(true);
      expect(got.get('victim')?.ok).toBe(false);
      expect(got.get('victim')?.error?.code).toBe('TIMEOUT');
      expect(got.get('victim')?.error?.message).toBe('no answer within 2 s'); // device_timeout_s, not more
      expect(elapsed).toBeLessThan(15_000); // bounded by the deadline, not by the hung device
      expect(structuredOf(result).summary).toBe('2 ok, 1 timed out');
      // The heartbeat notices the hang on its own (the timed-out call does not count against it)
      // and the next call fails fast instead of waiting out the timeout again.
      const state = async () =>
        (
          structuredOf(await client.callTool({ name: 'fleet_devices', arguments: { targets: 'victim' } }))
            .devices as Array<{
            state: string;
          }>
        )[0]?.state;
      expect(await waitUntil(async () => (await state()) === 'down', 10_000)).toBe(true);
      const again = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'victim', argv: ['true'] },
      });
      expect(entries(again)[0]?.error?.code).toBe('DEVICE_DOWN');
      expect(entries(again)[0]?.error?.message).toMatch(/down since \d{4}-/);
      process.kill(victim.child.pid as number, 'SIGCONT');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('an agent killed with kill -9 in the middle of a fan-out gives partial results', async () => {
    const victim = agents[1] as AgentHandle;
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const pending = client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'ok-1,ok-2', argv: ['sh', '-c', 'sleep 1; echo done'] },
      });
      const withVictim = client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['sh', '-c', 'sleep 1; echo done'], timeout_s: 5 },
      });
      await sleep(300);
      process.kill(victim.child.pid as number, 'SIGKILL');
      const [plain, result] = await Promise.all([pending, withVictim]);
      expect(entries(plain).every((e) => e.ok)).toBe(true);
      const got = byDevice(result);
      expect(got.get('ok-1')?.result?.stdout).toBe('done\n');
      expect(got.get('ok-2')?.result?.stdout).toBe('done\n');
      expect(got.get('victim')?.ok).toBe(false);
      expect(['UNAVAILABLE', 'UPSTREAM_ERROR', 'DEVICE_DOWN', 'TIMEOUT']).toContain(
        got.get('victim')?.error?.code,
      );
      const listed = await client.callTool({ name: 'fleet_devices', arguments: {} });
      const names = (structuredOf(listed).devices as Array<{ name: string }>).map((d) => d.name);
      expect(names).toContain('victim'); // stays listed while away
    } finally {
      await client.close();
    }
  }, 30_000);
});

import { writeFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  fleetEntries,
  sleep,
  structuredOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const deviceNames = async (client: Client) =>
  (
    structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} })).devices as Array<{
      name: string;
    }>
  ).map((d) => d.name);

describe('hub inventory reload', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let env: Record<string, string>;
  let yamlOne: string;
  let yamlTwo: string;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    const [a1, a2] = agents as [AgentHandle, AgentHandle];
    const one = agentDevices([{ name: 'alpha', agent: a1, tags: ['x'] }]);
    const two = agentDevices([
      { name: 'alpha', agent: a1, tags: ['x', 'y'] },
      { name: 'beta', agent: a2 },
    ]);
    env = { ...one.env, ...two.env };
    yamlOne = one.yaml;
    yamlTwo = two.yaml;
    hub = await startHub({ config: yamlOne, env });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
  });

  it('picks up added devices without a restart, tells clients of both eras, and lets a running call finish', async () => {
    const legacy = await connectClient(hub.url, hub.token, 'legacy');
    const modern = await connectClient(hub.url, hub.token, 'modern');
    try {
      let legacyHeard = 0;
      let modernHeard = 0;
      legacy.setNotificationHandler('notifications/tools/list_changed', async () => {
        legacyHeard++;
      });
      modern.setNotificationHandler('notifications/tools/list_changed', async () => {
        modernHeard++;
      });
      const subscription = await modern.listen({ toolsListChanged: true });
      expect(subscription.honoredFilter.toolsListChanged).toBe(true);
      expect(await deviceNames(legacy)).toEqual(['alpha']);

      const running = modern.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'alpha', argv: ['sh', '-c', 'sleep 1.5; echo survived'] },
      });
      await sleep(300);
      writeFileSync(hub.configPath, yamlTwo);
      expect(await waitUntil(async () => (await deviceNames(legacy)).includes('beta'), 10_000)).toBe(true);
      const result = await running;
      const entry = fleetEntries(result)[0];
      expect(entry?.ok).toBe(true);
      expect(entry?.result?.stdout).toBe('survived\n');
      expect(await waitUntil(() => legacyHeard > 0 && modernHeard > 0, 10_000)).toBe(true);
      const tagged = await legacy.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'tag:y', argv: ['true'] },
      });
      expect(fleetEntries(tagged).map((e) => e.device)).toEqual(['alpha']);
      await subscription.close();
    } finally {
      await legacy.close();
      await modern.close();
    }
  }, 30_000);

  it('refuses an invalid fleet.yaml, keeps the old inventory and says why in the log', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const before = await deviceNames(client);
      writeFileSync(hub.configPath, `${yamlTwo}\n  gamma: { url: "not a url" }\nbogus_key: 1\n`);
      expect(await waitUntil(() => hub.stderr().includes('inventory reload refused'), 10_000)).toBe(true);
      expect(hub.stderr()).toMatch(/fleet\.yaml:\d+:\d+: devices\.gamma\.url/);
      expect(hub.stderr()).toContain('bogus_key');
      expect(await deviceNames(client)).toEqual(before);
      const still = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['true'] },
      });
      expect(fleetEntries(still).every((e) => e.ok)).toBe(true);
    } finally {
      await client.close();
      writeFileSync(hub.configPath, yamlTwo);
    }
  }, 30_000);

  it('removes a device on reload; it is then no longer a target', async () => {
    writeFileSync(hub.configPath, yamlOne);
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      expect(await waitUntil(async () => !(await deviceNames(client)).includes('beta'), 10_000)).toBe(true);
      const gone = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'beta', argv: ['true'] },
      });
      expect(errorCodeOf(gone)).toBe('INVALID_TARGETS');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('compat: seed adds the seed documents’ tool names', async () => {
    writeFileSync(hub.configPath, `${yamlTwo}\ncompat: seed\n`);
    const client = await connectClient(hub.url, hub.token, 'legacy');
    try {
      expect(
        await waitUntil(
          async () => (await client.listTools()).tools.some((t) => t.name === 'alpha_admin'),
          10_000,
        ),
      ).toBe(true);
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const n of [
        'network_resources',
        'list_workers',
        'get_all_workers_status',
        'get_worker_status',
        'beta_admin',
      ]) {
        expect(names).toContain(n);
      }
      const admin = await client.callTool({ name: 'alpha_admin', arguments: { command: 'echo seed' } });
      expect(fleetEntries(admin)[0]?.result?.stdout).toBe('seed\n');
      const workers = await client.callTool({ name: 'list_workers', arguments: {} });
      expect(Object.keys(structuredOf(workers).workers as object)).toEqual(['alpha', 'beta']);
      const one = await client.callTool({ name: 'get_worker_status', arguments: { worker_name: 'beta' } });
      expect(fleetEntries(one).map((e) => [e.device, e.ok])).toEqual([['beta', true]]);
      const unknown = await client.callTool({
        name: 'get_worker_status',
        arguments: { worker_name: 'nope' },
      });
      expect(errorCodeOf(unknown)).toBe('NOT_FOUND');
    } finally {
      await client.close();
    }
  }, 30_000);
});

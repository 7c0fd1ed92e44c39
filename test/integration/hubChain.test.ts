import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, fleetEntries, structuredOf, textOf, waitUntil } from '../helpers/toolAssertions.js';

describe('chained hubs', () => {
  const agents: AgentHandle[] = [];
  let cabin: HubHandle;
  let home: HubHandle;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) agents.push(await startAgent());
    const [a1, a2, a3] = agents as [AgentHandle, AgentHandle, AgentHandle];
    const far = agentDevices([
      { name: 'pi-1', agent: a2, tags: ['pi'] },
      { name: 'nas', agent: a3 },
    ]);
    cabin = await startHub({ config: far.yaml, env: far.env });
    const near = agentDevices([{ name: 'desk', agent: a1, tags: ['pi'] }]);
    home = await startHub({
      config: `${near.yaml}
hubs:
  cabin: { url: "${cabin.url}", token_env: CABIN_TOKEN, tags: [remote] }
heartbeat: { interval_s: 1 }
`,
      env: { ...near.env, CABIN_TOKEN: cabin.token },
    });
  }, 60_000);

  afterAll(async () => {
    await home?.stop();
    await cabin?.stop();
    for (const a of agents) await disposeAgent(a);
  });

  it('lists the chained hub’s devices as site/device, with their tags and the site’s', async () => {
    const client = await connectClient(home.url, home.token, 'modern');
    try {
      const names = async () =>
        structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} })).devices as Array<{
          name: string;
          tags: string[];
          source: string;
        }>;
      expect(await waitUntil(async () => (await names()).length === 3, 10_000)).toBe(true);
      const list = await names();
      expect(list.map((d) => d.name)).toEqual(['desk', 'cabin/pi-1', 'cabin/nas']);
      expect(list[1]?.tags).toEqual(['pi', 'remote']);
      expect(list[1]?.source).toBe('chained');
    } finally {
      await client.close();
    }
  });

  it('fans out across both sites with one call, with the agent’s result shapes', async () => {
    const client = await connectClient(home.url, home.token, 'legacy');
    try {
      const result = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'tag:pi', argv: ['echo', 'both'] },
      });
      const got = fleetEntries(result);
      expect(got.map((e) => [e.device, e.ok, e.result?.stdout])).toEqual([
        ['desk', true, 'both\n'],
        ['cabin/pi-1', true, 'both\n'],
      ]);
      // The chained device's text is rendered like the agent's, so the two group together.
      expect(textOf(result)).toContain('== 2 devices ==\nexit 0\nboth');
      const status = await client.callTool({ name: 'fleet_status', arguments: { targets: 'cabin/*' } });
      const entries = fleetEntries(status);
      expect(entries.map((e) => e.device)).toEqual(['cabin/pi-1', 'cabin/nas']);
      expect(entries.every((e) => e.ok && typeof e.result?.hostname === 'string')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, BIN, cleanEnv, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, fleetEntries, structuredOf, waitUntil } from '../helpers/toolAssertions.js';

type Device = { name: string; state: string; last_error: string | null; since: string | null };

describe('device presence', () => {
  let agent: AgentHandle;
  let hub: HubHandle;

  beforeAll(async () => {
    agent = await startAgent();
    const devices = agentDevices([{ name: 'flaky', agent }]);
    hub = await startHub({
      config: `${devices.yaml}
heartbeat: { interval_s: 1, timeout_s: 1, down_after: 1, max_backoff_s: 2 }
fanout: { device_timeout_s: 5 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await disposeAgent(agent);
  });

  it('goes down when the agent stops, fails fast meanwhile, stays listed, and recovers by itself', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    const state = async () =>
      (structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} })).devices as Device[])[0];
    try {
      expect(await waitUntil(async () => (await state())?.state === 'up', 10_000)).toBe(true);
      const { port, token, dir } = agent;
      await agent.stop();
      expect(await waitUntil(async () => (await state())?.state === 'down', 10_000)).toBe(true);
      const down = await state();
      expect(down?.name).toBe('flaky');
      expect(down?.last_error).toMatch(/unreachable|ECONNREFUSED/);
      const started = Date.now();
      const refused = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'flaky', argv: ['true'] },
      });
      const entry = fleetEntries(refused)[0];
      expect(entry?.error?.code).toBe('DEVICE_DOWN');
      expect(entry?.error?.message).toContain(`down since ${down?.since}`);
      expect(Date.now() - started).toBeLessThan(1000); // no timeout paid for a known-down device

      agent = await startAgent({ port, token, dir });
      expect(await waitUntil(async () => (await state())?.state === 'up', 15_000)).toBe(true);
      const back = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'flaky', argv: ['echo', 'back'] },
      });
      expect(fleetEntries(back)[0]?.ok).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('hub --stdio', () => {
  it('runs as the principal fleet.yaml names for stdio', async () => {
    const agent = await startAgent();
    const devices = agentDevices([{ name: 'one', agent }]);
    const hubDir = (await import('../helpers/agentProcess.js')).tempDir('mcpf-hubstdio-');
    const { writeFileSync } = await import('node:fs');
    const configPath = `${hubDir}/fleet.yaml`;
    writeFileSync(
      configPath,
      `${devices.yaml}\nprincipals:\n  desk: { role: viewer }\nstdio_principal: desk\n`,
    );
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'hub', '--stdio', '--config', configPath, '--state-dir', `${hubDir}/state`],
      env: { ...cleanEnv(), ...devices.env, MCP_FLEET_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    try {
      await client.connect(transport);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('fleet_status');
      expect(names).not.toContain('fleet_exec');
      const status = await client.callTool({ name: 'fleet_status', arguments: { targets: 'one' } });
      expect(fleetEntries(status)[0]?.ok).toBe(true);
    } finally {
      await client.close();
      await disposeAgent(agent);
    }
  }, 30_000);
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  fleetByDevice,
  fleetEntries,
  readAudit,
  ruleOf,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const VIEWER = 'viewer-token-0123456789';
const OPERATOR = 'operator-token-0123456789';
const LIMITED = 'limited-token-0123456789';

describe('hub principals: roles, targets, rate limits', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    const [a1, a2] = agents as [AgentHandle, AgentHandle];
    const devices = agentDevices([
      { name: 'pi-1', agent: a1, tags: ['pi'] },
      { name: 'nas', agent: a2, tags: ['storage'] },
    ]);
    hub = await startHub({
      config: `${devices.yaml}
principals:
  watcher: { token_sha256: "${sha(VIEWER)}", role: viewer }
  laptop: { token_sha256: "${sha(OPERATOR)}", role: operator, targets: "tag:pi" }
  script: { token_sha256: "${sha(LIMITED)}", role: operator, rate_per_minute: 3 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
  });

  it('a viewer sees and calls only read-only tools', async () => {
    const client = await connectClient(hub.url, VIEWER, 'modern');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('fleet_status');
      expect(names).toContain('fleet_read_file');
      expect(names).toContain('fleet_service'); // its status action reads
      expect(names).not.toContain('fleet_exec');
      expect(names).not.toContain('fleet_write_file');
      const status = await client.callTool({ name: 'fleet_status', arguments: { targets: 'all' } });
      expect(fleetEntries(status).every((e) => e.ok)).toBe(true);
      const exec = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['true'] },
      });
      expect(exec.isError).toBe(true);
      expect(errorCodeOf(exec)).toBe('POLICY_DENIED');
      expect(ruleOf(exec)).toBe('role.viewer');
      const restart = await client.callTool({
        name: 'fleet_service',
        arguments: { targets: 'all', unit: 'ssh', action: 'restart' },
      });
      expect(ruleOf(restart)).toBe('role.viewer');
    } finally {
      await client.close();
    }
    const find = () =>
      readAudit(hub.auditPath).find((l) => l.principal === 'watcher' && l.tool === 'fleet_exec');
    await waitUntil(() => find() !== undefined, 5000);
    expect(find()?.outcome).toBe('denied');
    expect(find()?.rule).toBe('role.viewer');
  });

  it('an operator runs exec only on its own targets, and is told why for the others', async () => {
    const client = await connectClient(hub.url, OPERATOR, 'legacy');
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('fleet_exec');
      const result = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['echo', 'op'] },
      });
      const got = fleetByDevice(result);
      expect(got.get('pi-1')?.ok).toBe(true);
      expect(got.get('nas')?.ok).toBe(false);
      expect(got.get('nas')?.error?.code).toBe('POLICY_DENIED');
      expect(got.get('nas')?.error?.message).toContain('principal laptop may not reach nas');
      expect(structuredOf(result).summary).toBe('1 ok, 1 denied');
      const devices = await client.callTool({ name: 'fleet_devices', arguments: {} });
      expect((structuredOf(devices).devices as Array<{ name: string }>).map((d) => d.name)).toEqual(['pi-1']);
    } finally {
      await client.close();
    }
  });

  it('the admin reaches everything', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const result = await client.callTool({
        name: 'fleet_exec',
        arguments: { targets: 'all', argv: ['true'] },
      });
      expect(fleetEntries(result).map((e) => e.ok)).toEqual([true, true]);
    } finally {
      await client.close();
    }
  });

  it('rate-limits a principal per minute, and others are unaffected', async () => {
    const client = await connectClient(hub.url, LIMITED, 'modern');
    try {
      const call = () => client.callTool({ name: 'fleet_devices', arguments: {} });
      for (let i = 0; i < 3; i++) expect((await call()).isError).toBeFalsy();
      const refused = await call();
      expect(refused.isError).toBe(true);
      expect(errorCodeOf(refused)).toBe('RATE_LIMITED');
      expect(textOf(refused)).toMatch(/retry in \d+ s/);
    } finally {
      await client.close();
    }
    const other = await connectClient(hub.url, VIEWER, 'modern');
    try {
      expect((await other.callTool({ name: 'fleet_devices', arguments: {} })).isError).toBeFalsy();
    } finally {
      await other.close();
    }
  });

  it('refuses an unknown token and a foreign Origin before anything runs', async () => {
    const bad = await fetch(hub.url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer nope',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const origin = await fetch(hub.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hub.token}`,
        origin: 'https://evil.example',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(origin.status).toBe(403);
  });
});

describe('hub --insecure', () => {
  it('serves without any token as an anonymous admin, and says so in the log', async () => {
    const hub = await startHub({
      config: 'devices: {}\n',
      env: { MCP_FLEET_TOKEN: '' },
      args: ['--insecure'],
    });
    try {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      });
      expect(response.status).toBe(200);
      const client = await connectClient(hub.url, 'ignored', 'modern');
      try {
        const devices = await client.callTool({ name: 'fleet_devices', arguments: {} });
        expect(devices.isError).toBeFalsy();
      } finally {
        await client.close();
      }
      expect(hub.stderr()).toContain('--insecure');
    } finally {
      await hub.stop();
    }
  });
});

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  cleanEnv,
  connectClient,
  runCli,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  type FleetEntry,
  fleetEntries,
  removeDir,
  structuredOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

interface DeviceInfo {
  name: string;
  source: string;
  connector: string;
  address: string | null;
}
type Entry = FleetEntry;

const devicesOf = (r: CallToolResult) => structuredOf(r).devices as DeviceInfo[];
const entriesOf = (r: CallToolResult) => fleetEntries(r);

/** The live credential the hub keeps for a device (the test reads it to check it never leaks). */
function credentialOf(hub: HubHandle, device: string): string {
  const file = JSON.parse(readFileSync(join(hub.stateDir, 'enrolled.json'), 'utf8')) as {
    devices: Record<string, { credential: string }>;
  };
  const credential = file.devices[device]?.credential;
  if (!credential) throw new Error(`${device} is not in enrolled.json`);
  return credential;
}

describe('enrollment round trip: token create --join, agent join, devices list/remove', () => {
  let hub: HubHandle;
  let agent: AgentHandle;
  let agentState: string;
  let client: Client;

  const makeJoinToken = async (): Promise<string> => {
    const run = await runCli(
      ['token', 'create', '--join', '--json', '--state-dir', hub.stateDir],
      cleanEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { token } = JSON.parse(run.stdout) as { token: string };
    expect(token).toMatch(/^mcpj_/);
    return token;
  };

  const joinHub = (token: string, name: string) =>
    runCli(['agent', 'join', hub.url, '--name', name, '--advertise', agent.url], {
      ...cleanEnv(),
      MCP_FLEET_JOIN_TOKEN: token,
      MCP_FLEET_STATE_DIR: agentState,
    });

  const devices = async () => devicesOf(await client.callTool({ name: 'fleet_devices', arguments: {} }));

  beforeAll(async () => {
    hub = await startHub({ config: 'devices: {}\nheartbeat: { interval_s: 1 }\n' });
    agentState = tempDir('mcpf-agent-state-');
    agent = await startAgent({ env: { MCP_FLEET_STATE_DIR: agentState } });
    client = await connectClient(hub.url, hub.token, 'modern');
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    await disposeAgent(agent);
    removeDir(hub?.dir);
    removeDir(agentState);
  });

  it('a joined agent is listed as enrolled and runs fleet_exec once the agent reloads', async () => {
    expect(await devices()).toEqual([]);
    const token = await makeJoinToken();
    const joined = await joinHub(token, 'edge-1');
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
    expect(joined.stdout).toContain('enrolled as edge-1');

    // The agent keeps only the hash of the hub's credential.
    const credential = credentialOf(hub, 'edge-1');
    const tokensText = readFileSync(join(agentState, 'tokens.json'), 'utf8');
    expect(tokensText).not.toContain(credential);
    expect(statSync(join(agentState, 'tokens.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(hub.stateDir, 'enrolled.json')).mode & 0o777).toBe(0o600);

    // A running agent reads tokens.json on reload only: until then the credential is refused.
    await expect(connectClient(agent.url, credential)).rejects.toThrow();
    agent.child.kill('SIGHUP');
    expect(
      await waitUntil(async () => {
        const direct = await connectClient(agent.url, credential).catch(() => undefined);
        await direct?.close();
        return direct !== undefined;
      }, 10_000),
    ).toBe(true);

    // The hub reloads on its own after enrolling.
    let listed: DeviceInfo | undefined;
    expect(
      await waitUntil(async () => {
        listed = (await devices()).find((d) => d.name === 'edge-1');
        return listed !== undefined;
      }, 10_000),
    ).toBe(true);
    expect(listed?.source).toBe('enrolled');
    expect(listed?.connector).toBe('agent');

    let last: Entry | undefined;
    const ran = await waitUntil(
      async () => {
        const result = await client.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'edge-1', argv: ['echo', 'enrolled'] },
        });
        last = entriesOf(result)[0];
        return last?.ok === true;
      },
      15_000,
      200,
    );
    expect(ran, JSON.stringify(last)).toBe(true);
    expect(last?.device).toBe('edge-1');
    expect(last?.result?.stdout).toBe('enrolled\n');
  }, 40_000);

  it('a join token works once: a second join with it is refused (exit 2)', async () => {
    const token = await makeJoinToken();
    const first = await joinHub(token, 'edge-once');
    expect(first.code).toBe(0);
    const again = await joinHub(token, 'edge-twice');
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^mcp-fleet: the hub at .* refused the join token/);
    const run = await runCli(['devices', 'remove', 'edge-once', '--state-dir', hub.stateDir], cleanEnv());
    expect(run.code).toBe(0);
  });

  it('a name already enrolled is refused and the first enrollment is kept', async () => {
    const before = credentialOf(hub, 'edge-1');
    const clash = await joinHub(await makeJoinToken(), 'edge-1');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/^mcp-fleet: .*409.*devices remove edge-1/);
    expect(credentialOf(hub, 'edge-1')).toBe(before);
  });

  it('devices list shows the enrolled device and never its credential', async () => {
    const credential = credentialOf(hub, 'edge-1');
    const json = await runCli(['devices', 'list', '--json', '--state-dir', hub.stateDir], cleanEnv());
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(credential);
    const { devices: rows } = JSON.parse(json.stdout) as {
      devices: Array<{ name: string; url: string; tags: string[]; enrolled_at: string }>;
    };
    const row = rows.find((d) => d.name === 'edge-1');
    expect(row).toEqual({ name: 'edge-1', url: agent.url, tags: [], enrolled_at: expect.any(String) });
    expect(Object.keys(row ?? {}).sort()).toEqual(['enrolled_at', 'name', 'tags', 'url']);
    const text = await runCli(['devices', 'list', '--state-dir', hub.stateDir], cleanEnv());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('edge-1');
    expect(text.stdout).not.toContain(credential);
  });

  it('devices remove makes the hub drop the device: its targets become INVALID_TARGETS', async () => {
    const removed = await runCli(['devices', 'remove', 'edge-1', '--state-dir', hub.stateDir], cleanEnv());
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(statSync(join(hub.stateDir, 'enrolled.json')).mode & 0o777).toBe(0o600);
    expect(
      await waitUntil(async () => !(await devices()).some((d) => d.name === 'edge-1'), 10_000, 100),
    ).toBe(true);
    const result = await client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'edge-1', argv: ['echo', 'gone'] },
    });
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe('INVALID_TARGETS');
    const again = await runCli(['devices', 'remove', 'edge-1', '--state-dir', hub.stateDir], cleanEnv());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no enrolled device named edge-1');
  });
});

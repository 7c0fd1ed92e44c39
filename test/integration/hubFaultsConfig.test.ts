import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent, tempDir } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, fleetByDevice, removeDir, structuredOf, waitFor } from '../helpers/toolAssertions.js';

const REFUSED = 'inventory reload refused, the previous one stays in force';

describe('fleet.yaml replaced by bad content while the hub runs', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let client: Client;
  let good: string;
  let marks: string;
  let renames = 0;

  /** Writes a sibling file and renames it over `path`: how editors and config tools save. */
  const replaceAtomically = (path: string, text: string) => {
    const tmp = `${path}.tmp-${++renames}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };
  const refusals = () => hub.stderr().split(REFUSED).length - 1;
  const devices = async () =>
    (
      structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} })).devices as Array<{
        name: string;
        tags: string[];
      }>
    ).map((d) => [d.name, d.tags]);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    const fleet = agentDevices([
      { name: 'alpha', agent: agents[0] as AgentHandle, tags: ['x'] },
      { name: 'beta', agent: agents[1] as AgentHandle },
    ]);
    good = `${fleet.yaml}\nfanout: { device_timeout_s: 10, deadline_s: 60 }\n`;
    hub = await startHub({ config: good, env: fleet.env });
    client = await connectClient(hub.url, hub.token, 'modern');
    marks = tempDir('mcpf-marks-');
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
    removeDir(marks);
    removeDir(hub?.dir);
  });

  /**
   * Replaces fleet.yaml with `replace()` while a call runs, and checks: the refusal is logged
   * (with `logged`), the running call finishes, the old inventory stays and answers.
   */
  async function refusedWhileACallRuns(name: string, replace: () => void, logged: RegExp): Promise<void> {
    const marker = `${name}-${Date.now()}`;
    const running = client.callTool({
      name: 'fleet_exec',
      arguments: {
        targets: 'alpha',
        argv: ['sh', '-c', `touch ${marks}/${marker}; sleep 1.5; echo survived`],
        timeout_s: 10,
      },
    });
    await waitFor('the call running', () => readdirSync(marks).includes(marker));
    const before = refusals();
    const logFrom = hub.stderr().length;
    replace();
    await waitFor('the reload refused', () => refusals() > before);
    const log = hub.stderr().slice(logFrom);
    expect(log).toMatch(logged);
    expect(fleetByDevice(await running).get('alpha')?.result?.stdout).toBe('survived\n');
    expect(await devices()).toEqual([
      ['alpha', ['x']],
      ['beta', []],
    ]);
    const after = await client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'all', argv: ['echo', name] },
    });
    expect([...fleetByDevice(after).values()].map((e) => [e.device, e.result?.stdout])).toEqual([
      ['alpha', `${name}\n`],
      ['beta', `${name}\n`],
    ]);
    expect(hub.child.exitCode).toBeNull();
  }

  it('an empty file (a save caught half-way) is refused, not taken as "no devices"', async () => {
    await refusedWhileACallRuns(
      'empty',
      () => writeFileSync(hub.configPath, ''),
      /fleet\.yaml:1:1: the file is empty; a running hub keeps its inventory/,
    );
  }, 30_000);

  it('a file of blanks and comments only is refused the same way', async () => {
    await refusedWhileACallRuns(
      'comments',
      () => writeFileSync(hub.configPath, '\n   \n# devices:\n#   alpha: {}\n'),
      /fleet\.yaml:1:1: the file is empty/,
    );
  }, 30_000);

  it('a file cut off in the middle of a value is refused, with the line', async () => {
    const cut = good.slice(0, good.indexOf('127.0.0.1') + 5);
    await refusedWhileACallRuns(
      'truncated',
      () => writeFileSync(hub.configPath, cut),
      /invalid YAML in [^"]*fleet\.yaml\\n[^"]*fleet\.yaml:\d+:\d+: /,
    );
  }, 30_000);

  it('a YAML syntax error is refused, with the line it is on', async () => {
    const lines = good.split('\n').length;
    await refusedWhileACallRuns(
      'syntax',
      () => writeFileSync(hub.configPath, `${good}\n  gamma: { url: [unclosed, tags: \n`),
      new RegExp(`fleet\\.yaml:(${lines}|${lines + 1}|${lines + 2}):\\d+: `),
    );
  }, 30_000);

  it('an invalid file renamed into place is refused like one written in place', async () => {
    await refusedWhileACallRuns(
      'renamed',
      () => replaceAtomically(hub.configPath, `${good}\nfanout: { device_timeout_s: -1 }\n`),
      /fleet\.yaml:\d+:\d+: /,
    );
  }, 30_000);

  it('a deleted file is refused; the hub keeps the inventory it has', async () => {
    await refusedWhileACallRuns(
      'deleted',
      () => rmSync(hub.configPath),
      /config file not found: [^"]*fleet\.yaml/,
    );
  }, 30_000);

  it('a valid file renamed into place afterwards is picked up', async () => {
    const fromLog = hub.stderr().length;
    replaceAtomically(hub.configPath, good.replace('tags: [x]', 'tags: [x, y]'));
    await waitFor('the new inventory', async () => JSON.stringify(await devices()).includes('"y"'));
    expect(hub.stderr().slice(fromLog)).toContain('inventory reloaded');
    const tagged = await client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'tag:y', argv: ['true'] },
    });
    expect([...fleetByDevice(tagged).keys()]).toEqual(['alpha']);
  }, 30_000);
});

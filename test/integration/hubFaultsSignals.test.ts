import { readdirSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent, tempDir } from '../helpers/agentProcess.js';
import { agentDevices, deviceState, fleetExec, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, fleetByDevice, readAudit, removeDir, waitFor } from '../helpers/toolAssertions.js';

describe('agents killed or stopped mid-call: nothing is lost, and they come back', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let client: Client;
  let marks: string;

  beforeAll(async () => {
    marks = tempDir('mcpf-marks-');
    for (let i = 0; i < 3; i++) agents.push(await startAgent());
    const devices = agentDevices([
      { name: 'ok-1', agent: agents[0] as AgentHandle },
      { name: 'victim', agent: agents[1] as AgentHandle },
      { name: 'ok-2', agent: agents[2] as AgentHandle },
    ]);
    hub = await startHub({
      config: `${devices.yaml}
fanout: { device_timeout_s: 2, deadline_s: 15 }
heartbeat: { interval_s: 1, timeout_s: 1, down_after: 2, max_backoff_s: 2 }
`,
      env: devices.env,
    });
    client = await connectClient(hub.url, hub.token, 'modern');
  }, 60_000);

  afterEach(() => {
    // A failed test must not leave a stopped agent behind.
    for (const a of agents)
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGCONT');
  });

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
    removeDir(hub?.dir);
    removeDir(marks);
  });

  const auditLineFor = (marker: string) =>
    readAudit(hub.auditPath).find((l) =>
      (l.args as { argv?: string[] }).argv?.some((a) => a.includes(marker)),
    );

  it('SIGSTOP: the call times out with an audit line, the device goes down, and SIGCONT brings it back', async () => {
    await waitFor('victim up', async () => (await deviceState(client, 'victim'))?.state === 'up', 15_000);
    const victim = agents[1] as AgentHandle;
    const marker = `stop-${Date.now()}`;
    process.kill(victim.child.pid as number, 'SIGSTOP');
    try {
      const got = fleetByDevice(await fleetExec(client, 'all', ['echo', marker]));
      expect(got.get('ok-1')?.result?.stdout).toBe(`${marker}\n`);
      expect(got.get('ok-2')?.result?.stdout).toBe(`${marker}\n`);
      expect(got.get('victim')?.error).toEqual({ code: 'TIMEOUT', message: 'no answer within 2 s' });
      await waitFor('the audit line of the timed-out call', () => auditLineFor(marker) !== undefined, 5000);
      expect(auditLineFor(marker)?.devices).toEqual({ 'ok-1': 'ok', victim: 'TIMEOUT', 'ok-2': 'ok' });
      await waitFor(
        'victim down',
        async () => (await deviceState(client, 'victim'))?.state === 'down',
        15_000,
      );
      expect((await deviceState(client, 'victim'))?.last_error).toBe('no answer within 1 s');
    } finally {
      process.kill(victim.child.pid as number, 'SIGCONT');
    }
    await waitFor(
      'victim up after SIGCONT',
      async () => (await deviceState(client, 'victim'))?.state === 'up',
      15_000,
    );
    const again = fleetByDevice(await fleetExec(client, 'victim', ['echo', 'resumed']));
    expect(again.get('victim')?.result?.stdout).toBe('resumed\n');
    expect(hub.child.exitCode).toBeNull();
  }, 60_000);

  it('kill -9 mid-call: a whole audit line with every outcome, the others go on, a restarted agent is back', async () => {
    await waitFor('victim up', async () => (await deviceState(client, 'victim'))?.state === 'up');
    const victim = agents[1] as AgentHandle;
    const marker = `kill9-${Date.now()}`;
    const pending = fleetExec(
      client,
      'all',
      ['sh', '-c', `touch ${marks}/${marker}.$$; sleep 1; echo ${marker}`],
      {
        timeout_s: 5,
      },
    );
    await waitFor(
      'the command running on every device',
      () => readdirSync(marks).filter((f) => f.startsWith(`${marker}.`)).length === 3,
    );
    process.kill(victim.child.pid as number, 'SIGKILL');
    const got = fleetByDevice(await pending);
    expect(got.get('ok-1')?.result?.stdout).toBe(`${marker}\n`);
    expect(got.get('ok-2')?.result?.stdout).toBe(`${marker}\n`);
    expect(got.get('victim')?.error?.code).toBe('UNAVAILABLE');
    expect(got.get('victim')?.error?.message).toMatch(
      /^victim is unreachable \((UND_ERR_SOCKET|ECONNRESET)\)$/,
    );

    await waitFor('the audit line of the interrupted call', () => auditLineFor(marker) !== undefined, 5000);
    const line = auditLineFor(marker);
    expect(line?.devices).toEqual({ 'ok-1': 'ok', victim: 'UNAVAILABLE', 'ok-2': 'ok' });
    expect(line?.outcome).toBe('ok');

    const after = await fleetExec(client, 'ok-1,ok-2', ['echo', 'after']);
    expect([...fleetByDevice(after).values()].map((e) => e.result?.stdout)).toEqual(['after\n', 'after\n']);
    // Nothing listens there now: the device is down at once, and its calls fail fast.
    await waitFor('victim down', async () => (await deviceState(client, 'victim'))?.state === 'down');
    expect(fleetByDevice(await fleetExec(client, 'victim', ['true'])).get('victim')?.error?.code).toBe(
      'DEVICE_DOWN',
    );

    // The agent comes back where it was: the heartbeat notices, and calls reach it again.
    const back = await startAgent({ port: victim.port, dir: victim.dir, token: victim.token });
    agents[1] = back;
    await waitFor(
      'victim up again',
      async () => (await deviceState(client, 'victim'))?.state === 'up',
      15_000,
    );
    const again = await fleetExec(client, 'all', ['echo', 'back']);
    expect([...fleetByDevice(again).values()].map((e) => [e.device, e.result?.stdout])).toEqual([
      ['ok-1', 'back\n'],
      ['victim', 'back\n'],
      ['ok-2', 'back\n'],
    ]);
  }, 60_000);
});

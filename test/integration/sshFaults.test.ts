import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGroupAlive } from '../../src/device/index.js';
import { type SshFleet, startSshFleet } from '../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.js';
import {
  type FleetEntry,
  fleetEntries,
  readAudit,
  readPid,
  realTempDir,
  removeDir,
  waitFor,
} from '../helpers/toolAssertions.js';

const only = (r: CallToolResult) => fleetEntries(r)[0] as FleetEntry;

describe('SSH devices under faults (real sshd; the connection dropped by a loopback relay)', () => {
  let proxy: TcpProxy;
  let fleet: SshFleet;
  const work = realTempDir('mcpf-sshfault-');

  beforeAll(async () => {
    fleet = await startSshFleet(async (sshd) => {
      proxy = await startTcpProxy(sshd.port);
      // The host key is known under the relay's port, which is where the hub connects.
      return {
        config: `devices:
  flaky:
    ssh: { host: 127.0.0.1, port: ${proxy.port}, user: ${sshd.user}, identity_file: ${sshd.identityFile}, host_key: "${sshd.hostFingerprint}" }
  strict:
    ssh: ${sshd.fleetSsh()}
    policy: { exec: { mode: allow, allow: [{ id: echo, argv: [echo] }] }, roots: [${work}] }
fanout: { device_timeout_s: 30, deadline_s: 60 }
heartbeat: { interval_s: 60 }
`,
      };
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await proxy?.close();
    removeDir(work);
  });

  const call = (name: string, args: Record<string, unknown>) =>
    fleet.client.callTool({ name, arguments: args });

  it('a timeout kills the whole remote process tree and reports it', async () => {
    const pidFile = join(work, 'timeout.pid');
    const r = only(
      await call('fleet_exec', {
        targets: 'flaky',
        argv: ['/bin/sh', '-c', `echo $$ > ${pidFile}; sleep 60 & sleep 60 & wait`],
        timeout_s: 1,
      }),
    );
    expect(r.ok).toBe(true);
    expect(r.result).toMatchObject({ timed_out: true, exit_code: null, signal: 'SIGTERM' });
    const pgid = readPid(pidFile);
    expect(await isGroupAlive(pgid)).toBe(false);
  });

  it('a connection dropped mid-call gives a clean error, the remote command is stopped, and the next call reconnects', async () => {
    const pidFile = join(work, 'drop.pid');
    const running = call('fleet_exec', {
      targets: 'flaky',
      argv: ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`],
    });
    await waitFor('the remote command to start', () => existsSync(pidFile));
    const pgid = readPid(pidFile);
    const before = proxy.connections();
    proxy.cut();
    const r = only(await running);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('UNAVAILABLE');
    expect(r.error?.message).toContain('connection to the device lost');
    // sshd signals nothing on a dropped session; the bridge's watchdog notices and kills the group.
    await waitFor('the orphaned command to be killed', async () => !(await isGroupAlive(pgid)), 10_000);
    const again = only(await call('fleet_exec', { targets: 'flaky', argv: ['echo', 'back'] }));
    expect(again.result).toMatchObject({ stdout: 'back\n', exit_code: 0 });
    expect(proxy.connections()).toBe(before + 1);
  });

  it("the hub enforces the device's policy and audits the call", async () => {
    const ok = only(await call('fleet_exec', { targets: 'strict', argv: ['echo', 'allowed'] }));
    expect(ok.result).toMatchObject({ stdout: 'allowed\n' });
    const denied = only(await call('fleet_exec', { targets: 'strict', argv: ['cat', '/etc/hostname'] }));
    expect(denied.ok).toBe(false);
    expect(denied.error?.code).toBe('POLICY_DENIED');
    const outside = only(await call('fleet_read_file', { targets: 'strict', path: '/etc/hostname' }));
    expect(outside.error?.code).toBe('POLICY_DENIED');
    await waitFor('the audit line naming the device and the refusal', () =>
      readAudit(fleet.hub.auditPath).some(
        (l) =>
          l.tool === 'fleet_exec' &&
          JSON.stringify(l).includes('POLICY_DENIED') &&
          JSON.stringify(l).includes('strict'),
      ),
    );
  });
});

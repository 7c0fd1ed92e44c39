import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshFleet, SUDO_USER, startSshFleet } from '../helpers/sshd.js';
import { fleetEntries } from '../helpers/toolAssertions.js';

/** test/prereqs.sh (run by npm test) makes the user and one sudoers rule: /usr/bin/id. */
function requireProvisionedUser(): void {
  try {
    execFileSync('id', [SUDO_USER], { stdio: 'ignore' });
  } catch {
    throw new Error(`user ${SUDO_USER} is missing: run test/prereqs.sh as root (npm test does)`);
  }
}

describe('become: sudo on an SSH device (real sshd, a real sudoers rule)', () => {
  let fleet: SshFleet;

  beforeAll(async () => {
    requireProvisionedUser();
    fleet = await startSshFleet((sshd) => ({
      config: `devices:
  box:
    ssh: ${sshd.fleetSsh({ user: SUDO_USER })}
    become: { commands: [id, whoami] }
heartbeat: { interval_s: 60 }
`,
    }));
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  const exec = async (argv: string[]) => {
    const r = await fleet.client.callTool({ name: 'fleet_exec', arguments: { targets: 'box', argv } });
    const e = fleetEntries(r)[0];
    if (!e?.ok) throw new Error(`call failed: ${JSON.stringify(e)}`);
    return e.result as Record<string, unknown>;
  };

  it('runs listed commands under sudo -n and the rest as the login user', async () => {
    expect(await exec(['id', '-u'])).toMatchObject({ stdout: '0\n', exit_code: 0 });
    expect(await exec(['sh', '-c', 'id -un'])).toMatchObject({ stdout: `${SUDO_USER}\n` });
  });

  it("never prompts: a listed command that sudoers does not allow fails with sudo's message", async () => {
    const r = await exec(['whoami']);
    expect(r.exit_code).toBe(1);
    expect(String(r.stderr)).toContain('a password is required');
  });
});

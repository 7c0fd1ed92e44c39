import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshFleet, startSshFleet } from '../helpers/sshd.js';
import { fleetByDevice, realTempDir, removeDir } from '../helpers/toolAssertions.js';

describe('SSH host keys are checked strictly (real sshd)', () => {
  let fleet: SshFleet;
  const dir = realTempDir('mcpf-hostkeys-');
  const empty = join(dir, 'empty_known_hosts');
  const changed = join(dir, 'changed_known_hosts');
  const tofu = join(dir, 'tofu_known_hosts');

  beforeAll(async () => {
    writeFileSync(empty, '');
    // Another key recorded for the same [127.0.0.1]:port: the server's key has "changed".
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    const other = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ');
    fleet = await startSshFleet((sshd) => {
      writeFileSync(changed, `# line 1\n[127.0.0.1]:${sshd.port} ${other[0]} ${other[1]}\n`);
      const base = `host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identity_file: ${sshd.identityFile}`;
      return {
        config: `devices:
  known: { ssh: { ${base}, known_hosts: ${sshd.knownHostsFile} } }
  unknown: { ssh: { ${base}, known_hosts: ${empty} } }
  changed: { ssh: { ${base}, known_hosts: ${changed} } }
  changed-tofu: { ssh: { ${base}, known_hosts: ${changed}, trust_on_first_use: true } }
  tofu: { ssh: { ${base}, known_hosts: ${tofu}, trust_on_first_use: true } }
  pinned: { ssh: { ${base}, host_key: "${sshd.hostFingerprint}" } }
  wrong-pin: { ssh: { ${base}, host_key: "SHA256:${'A'.repeat(43)}" } }
heartbeat: { interval_s: 60 }
`,
      };
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    removeDir(dir);
  });

  it('accepts known, pinned and first-use keys, refuses unknown, changed and mismatched ones with the offered fingerprint', async () => {
    const { sshd, client } = fleet;
    const r = await client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'all', argv: ['echo', 'hi'] },
    });
    const d = fleetByDevice(r);
    for (const name of ['known', 'pinned', 'tofu']) expect(d.get(name)?.result?.stdout, name).toBe('hi\n');
    for (const name of ['unknown', 'changed', 'changed-tofu', 'wrong-pin']) {
      expect(d.get(name)?.ok, name).toBe(false);
      expect(d.get(name)?.error?.code, name).toBe('HOST_KEY_REJECTED');
      expect(d.get(name)?.error?.message, name).toContain(sshd.hostFingerprint);
    }
    expect(d.get('unknown')?.error?.message).toMatch(/trust_on_first_use|host_key/);
    // A changed key names the file and line of the key on record, and first use does not override it.
    expect(d.get('changed')?.error?.message).toContain(`${changed}:2`);
    expect(d.get('changed-tofu')?.error?.message).toContain(`${changed}:2`);
    // First use recorded the key in OpenSSH's format, which ssh-keygen finds.
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', tofu], {
      encoding: 'utf8',
    });
    expect(found).toContain('ssh-ed25519');
  });
});

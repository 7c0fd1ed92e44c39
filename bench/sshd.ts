import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './agentBench.js';
import { freePort, sleep } from './procs.js';

const SSHD = '/usr/sbin/sshd';

/** A running OpenSSH server on loopback with everything a client of it needs. */
export interface BenchSshd {
  child: ChildProcess;
  port: number;
  /** The login user: the one running the bench. */
  user: string;
  /** Private key (ed25519, no passphrase) authorized for every user of this sshd. */
  identityFile: string;
  /** known_hosts holding this server's host key for `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  /** The empty directory sessions get as HOME (so no shell startup file runs). */
  home: string;
  /** sshd's own log (-E), for failure messages. */
  log(): string;
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mcp-fleet-bench', '-f', path]);
}

/** Waits (bounded: 100 tries, 50 ms apart) until the port speaks SSH. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000, () => {
        socket.destroy();
        resolve('');
      });
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', () => resolve(''));
    });
    if (banner.startsWith('SSH-2.0')) return;
    await sleep(50);
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port}: ${log()}`);
}

/**
 * The system's OpenSSH server on a free loopback port with generated host and user keys in the
 * run's scratch dir, spawned through the bench's process set so it is killed with everything
 * else. The same settings as test/helpers/sshd.ts (which is not part of the build and spawns
 * outside the process set). sshd needs root for privilege separation.
 */
export async function startBenchSshd(ctx: BenchContext): Promise<BenchSshd> {
  if (!existsSync(SSHD)) throw new Error(`OpenSSH server missing (${SSHD}): apt-get install openssh-server`);
  mkdirSync('/run/sshd', { recursive: true });
  const dir = join(ctx.tmp, 'sshd');
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'host_key');
  const identityFile = join(dir, 'id_ed25519');
  keygen(hostKey);
  keygen(identityFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The scratch dir is not owned the way StrictModes wants for a user's ~/.ssh.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'MaxSessions 20',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      // sshd runs every command through the login shell, and bash sources ~/.bashrc when sshd
      // starts it: a heavy one (pyenv init costs ~250 ms on one bench machine) would be paid by
      // every channel and swamp what is measured. An empty HOME keeps startup files out, alike
      // for every path; sshd applies SetEnv after it sets HOME from the password entry.
      `SetEnv HOME=${home}`,
      '',
    ].join('\n'),
  );
  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
  const hostFingerprint =
    execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  const logFile = join(dir, 'sshd.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const child = ctx.procs.spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
  await waitForBanner(port, child, log);
  return { child, port, user: userInfo().username, identityFile, knownHostsFile, hostFingerprint, home, log };
}

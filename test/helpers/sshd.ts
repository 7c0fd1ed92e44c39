import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, tempDir } from './agentProcess.js';

const SSHD = '/usr/sbin/sshd';

/** The login user `test/prereqs.sh` creates, with one sudoers rule (`/usr/bin/id`). */
export const SUDO_USER = 'mcpfleet-ssh';

export interface SshdHandle {
  host: '127.0.0.1';
  port: number;
  dir: string;
  /** The login user (the user running the tests unless asked otherwise). */
  user: string;
  /** Private key authorized for every user of this sshd. */
  identityFile: string;
  /** A known_hosts file holding this server's host key for `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  /** sshd's own log (-E). */
  log(): string;
  stop(): Promise<void>;
  /** Starts sshd again on the same port with the same keys (after stop()). */
  start(): Promise<void>;
}

function keygen(path: string, type: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'mcp-fleet-test', '-f', path]);
}

async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', () => resolve(''));
    });
    if (banner.startsWith('SSH-2.0')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port}: ${log()}`);
}

/**
 * A real OpenSSH server (Debian's openssh-server) on a free loopback port, with generated
 * host and user keys, in a temp dir. It needs root (privilege separation) as CI runs; `.ci/run`
 * installs the package and test/prereqs.sh makes /run/sshd and the sudo test user.
 */
export async function startSshd(
  options: { hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa' } = {},
): Promise<SshdHandle> {
  if (!existsSync(SSHD)) {
    throw new Error('OpenSSH server missing: apt-get install openssh-server (bash .ci/run installs it)');
  }
  mkdirSync('/run/sshd', { recursive: true });
  const dir = tempDir('mcpf-sshd-');
  const hostKey = join(dir, 'host_key');
  const userKey = join(dir, 'id_ed25519');
  keygen(hostKey, options.hostKeyType ?? 'ed25519');
  keygen(userKey, 'ed25519');
  // sshd reads authorized_keys with the login user's own rights: another user (the sudo
  // test's) must be able to reach it. The private keys stay 0600.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o644 });
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
      // The temp dir is not owned the way StrictModes wants for a user's ~/.ssh.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'MaxSessions 20',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
  const fingerprint =
    execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  const logFile = join(dir, 'sshd.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  let child: ChildProcess | undefined;
  const handle: SshdHandle = {
    host: '127.0.0.1',
    port,
    dir,
    user: userInfo().username,
    identityFile: userKey,
    knownHostsFile,
    hostFingerprint: fingerprint,
    log,
    async start() {
      child = spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
      await waitForBanner(port, child, log);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
  await handle.start();
  return handle;
}

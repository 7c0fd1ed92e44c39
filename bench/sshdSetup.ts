import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Debian's OpenSSH server. */
export const SSHD = '/usr/sbin/sshd';

/** An sshd configured in a directory, ready to spawn as `SSHD ...argv`. */
export interface SshdSetup {
  port: number;
  /** sshd's arguments: foreground, this config, log to `logFile`. */
  argv: string[];
  /** Private key (ed25519, no passphrase) authorized for every user of this sshd. */
  identityFile: string;
  /** known_hosts holding this server's host key for `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  /** sshd's own log (-E), for failure messages. */
  log(): string;
}

export interface SshdSetupOptions {
  port: number;
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** Key comment, naming who made the keys. */
  comment: string;
  /** Lines added to sshd_config. */
  extraConfig?: readonly string[];
}

function keygen(path: string, type: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', path]);
}

/**
 * Host and user keys, authorized_keys, sshd_config and known_hosts for an OpenSSH server on
 * 127.0.0.1:`port`, written into `dir`; shared by the SSH tests and the SSH benchmark so both
 * run the same server. sshd needs root for privilege separation (and /run/sshd, made here).
 */
export function prepareSshd(dir: string, options: SshdSetupOptions): SshdSetup {
  if (!existsSync(SSHD)) throw new Error(`OpenSSH server missing (${SSHD}): apt-get install openssh-server`);
  mkdirSync('/run/sshd', { recursive: true });
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'host_key');
  const identityFile = join(dir, 'id_ed25519');
  keygen(hostKey, options.hostKeyType ?? 'ed25519', options.comment);
  keygen(identityFile, 'ed25519', options.comment);
  // sshd reads authorized_keys with the login user's own rights: another user (the sudo
  // test's) must be able to reach it. The private keys stay 0600.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`), { mode: 0o644 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${options.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The directory is not owned the way StrictModes wants for a user's ~/.ssh.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'MaxSessions 20',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${options.port} ${pub[0]} ${pub[1]}\n`);
  const hostFingerprint =
    execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  const logFile = join(dir, 'sshd.log');
  return {
    port: options.port,
    argv: ['-D', '-f', config, '-E', logFile],
    identityFile,
    knownHostsFile,
    hostFingerprint,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}

/** Waits (bounded: 100 tries, 50 ms apart) until 127.0.0.1:`port` speaks SSH. */
export async function waitForSshBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
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
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port}: ${log()}`);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { prepareSshd, SSHD, waitForSshBanner } from '../../bench/sshdSetup.js';
import { freePort, tempDir } from './agentProcess.js';

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
  /**
   * A fleet.yaml `ssh:` flow map reaching this server with its keys; `fields` (YAML text
   * values) replace or add keys, e.g. `{ user: 'bob', via: 'jump' }`.
   */
  fleetSsh(fields?: Record<string, string>): string;
  stop(): Promise<void>;
  /** Starts sshd again on the same port with the same keys (after stop()). */
  start(): Promise<void>;
}

/**
 * A real OpenSSH server (Debian's openssh-server) on a free loopback port, with generated
 * host and user keys, in a temp dir. It needs root (privilege separation) as CI runs; `.ci/run`
 * installs the package and test/prereqs.sh makes /run/sshd and the sudo test user.
 */
export async function startSshd(
  options: { hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa' } = {},
): Promise<SshdHandle> {
  const dir = tempDir('mcpf-sshd-');
  const setup = prepareSshd(dir, {
    port: await freePort(),
    comment: 'mcp-fleet-test',
    ...(options.hostKeyType ? { hostKeyType: options.hostKeyType } : {}),
  });
  const { port, log } = setup;

  let child: ChildProcess | undefined;
  const handle: SshdHandle = {
    host: '127.0.0.1',
    port,
    dir,
    user: userInfo().username,
    identityFile: setup.identityFile,
    knownHostsFile: setup.knownHostsFile,
    hostFingerprint: setup.hostFingerprint,
    log,
    fleetSsh(fields = {}) {
      const all: Record<string, string> = {
        host: '127.0.0.1',
        port: String(port),
        user: userInfo().username,
        identity_file: setup.identityFile,
        known_hosts: setup.knownHostsFile,
        ...fields,
      };
      return `{ ${Object.entries(all)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} }`;
    },
    async start() {
      child = spawn(SSHD, setup.argv, { stdio: 'ignore' });
      await waitForSshBanner(port, child, log);
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

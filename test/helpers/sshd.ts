import { type ChildProcess, spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import type { Client } from '@modelcontextprotocol/client';
import { prepareSshd, SSHD, waitForSshBanner } from '../../bench/sshdSetup.js';
import { connectClient, freePort, tempDir } from './agentProcess.js';
import { type HubHandle, type StartHubOptions, startHub } from './hubProcess.js';

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

/** A hub fronting a real sshd, with an admin client connected to it. */
export interface SshFleet {
  sshd: SshdHandle;
  hub: HubHandle;
  client: Client;
  /** Closes the client, then stops the hub and sshd (each step tolerates having been done already). */
  stop(): Promise<void>;
}

/**
 * Starts sshd, then a hub with the options `hubOptions(sshd)` returns (it may first prepare files
 * or relays that need the server's port or keys), then connects an admin client. When a step
 * fails, what already started is stopped again, so a failed `beforeAll` leaves no sshd running.
 */
export async function startSshFleet(
  hubOptions: (sshd: SshdHandle) => StartHubOptions | Promise<StartHubOptions>,
): Promise<SshFleet> {
  const sshd = await startSshd();
  let hub: HubHandle | undefined;
  try {
    const started = await startHub(await hubOptions(sshd));
    hub = started;
    const client = await connectClient(started.url, started.token);
    return {
      sshd,
      hub: started,
      client,
      async stop() {
        await client.close();
        await started.stop();
        await sshd.stop();
      },
    };
  } catch (error) {
    await hub?.stop();
    await sshd.stop();
    throw error;
  }
}

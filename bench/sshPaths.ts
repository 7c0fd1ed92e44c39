import { stringify } from 'yaml';
import {
  createSshConnection,
  createSshDevice,
  type SshConnection,
  type SshDevice,
} from '../src/ssh/index.js';
import { DEFAULT_HUB_OPTIONS } from './hubProcess.js';
import type { BenchSshd } from './sshd.js';

/*
 * The ways the SSH bench reaches its sshd besides the peers' own code: the hub's fleet.yaml
 * entry, the SshDevice the hub would build from it, a fresh OpenSSH client, and a bare channel.
 */

/** fleet.yaml with the one SSH device, the bench's usual fan-out and heartbeat settings. */
export function sshFleetYaml(sshd: BenchSshd, device: string): string {
  return stringify({
    devices: {
      [device]: {
        ssh: {
          host: '127.0.0.1',
          port: sshd.port,
          user: sshd.user,
          identity_file: sshd.identityFile,
          known_hosts: sshd.knownHostsFile,
          use_agent: false,
        },
      },
    },
    fanout: {
      concurrency: DEFAULT_HUB_OPTIONS.concurrency,
      device_timeout_s: DEFAULT_HUB_OPTIONS.deviceTimeoutS,
      deadline_s: DEFAULT_HUB_OPTIONS.deadlineS,
    },
    heartbeat: { interval_s: DEFAULT_HUB_OPTIONS.heartbeatIntervalS },
  });
}

/** A connection with the target settings the hub derives from that fleet.yaml entry (its defaults). */
export function benchSshConnection(sshd: BenchSshd, name: string): SshConnection {
  return createSshConnection({
    device: name,
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    identityFiles: [sshd.identityFile],
    hostKey: {
      host: '127.0.0.1',
      port: sshd.port,
      knownHostsFiles: [sshd.knownHostsFile],
      trustOnFirstUse: false,
    },
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 3,
  });
}

/** SshDevice as the hub builds it for that fleet.yaml entry (4 bridges at most, by default). */
export function benchSshDevice(sshd: BenchSshd, name: string): SshDevice {
  return createSshDevice({ name, connection: benchSshConnection(sshd, name) });
}

/** `ssh … COMMAND` with no config file, agent, multiplexing or prompt: one whole connection per call. */
export function freshSshArgs(sshd: BenchSshd, command: readonly string[]): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    sshd.identityFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-p',
    String(sshd.port),
    `${sshd.user}@127.0.0.1`,
    ...command,
  ];
}

/**
 * `command` on a new session channel of an open connection, as a per-call exec does (ssh-mcp's
 * way): what the bridge saves, without any MCP. Bounded by `timeoutMs`.
 */
export async function execOnNewChannel(
  connection: SshConnection,
  command: string,
  timeoutMs = 10_000,
): Promise<string> {
  const channel = await connection.exec(command);
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      channel.close();
      reject(new Error(`a channel for ${JSON.stringify(command)} did not close within ${timeoutMs} ms`));
    }, timeoutMs);
    channel.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    channel.stderr.resume();
    channel.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

import { setMaxListeners } from 'node:events';
import { FleetError } from '../../errors/index.js';
import type { Policy } from '../../policy/index.js';
import {
  type BecomeRules,
  createSshConnection,
  createSshDevice,
  SshChannelTransport,
  type SshConnection,
} from '../../ssh/index.js';
import type { ToolCatalog } from '../../tools/index.js';
import type { ResolvedSsh } from '../inventory/index.js';
import { createAgentEndpoint } from './agentEndpoint.js';
import { hubClosedError } from './closedError.js';
import { createLocalEndpoint } from './localEndpoint.js';
import { raceAbort } from './raceAbort.js';
import type { Endpoint } from './types.js';

export interface SshEndpointOptions {
  device: string;
  ssh: ResolvedSsh;
  policy: () => Policy;
  become?: BecomeRules;
  /** Run the agent over SSH (`mcp-fleet agent --stdio`) and speak MCP to it instead. */
  agentCommand?: string;
  catalog: ToolCatalog;
  env: NodeJS.ProcessEnv;
  clientName: string;
  clientVersion: string;
  onDefect?: (error: unknown, tool: string) => void;
}

/**
 * One connection per hop: a `via` device gets a connection of its own for the tunnel. Returns
 * the device's connection and its jump hosts' (nearest first), which the endpoint closes too.
 */
function connect(ssh: ResolvedSsh, env: NodeJS.ProcessEnv): SshConnection[] {
  const hops = ssh.via ? connect(ssh.via, env) : [];
  const via = hops[0];
  const passphrase = ssh.passphraseEnv ? env[ssh.passphraseEnv] : undefined;
  const agentSocket = ssh.useAgent ? env.SSH_AUTH_SOCK : undefined;
  const connection = createSshConnection({
    device: ssh.device,
    host: ssh.host,
    port: ssh.port,
    user: ssh.user,
    identityFiles: ssh.identityFiles,
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(agentSocket ? { agentSocket } : {}),
    hostKey: {
      host: ssh.host,
      port: ssh.port,
      ...(ssh.hostKeys ? { pinned: ssh.hostKeys } : {}),
      knownHostsFiles: ssh.knownHosts,
      trustOnFirstUse: ssh.trustOnFirstUse,
    },
    connectTimeoutMs: ssh.connectTimeoutMs,
    keepaliveIntervalMs: ssh.keepaliveMs,
    keepaliveCountMax: 3,
    ...(via ? { via } : {}),
  });
  return [connection, ...hops];
}

/** Every hop's problem (an unreadable ~/.ssh/config, an unfollowed ProxyJump), nearest first. */
function problemOf(ssh: ResolvedSsh): string | undefined {
  return ssh.problem ? `${ssh.device}: ${ssh.problem}` : ssh.via ? problemOf(ssh.via) : undefined;
}

function failing(device: string, problem: string): Endpoint {
  const error = () => new FleetError('UNAVAILABLE', problem);
  return {
    device,
    callTool: async () => {
      throw error();
    },
    ping: async () => {
      throw error();
    },
    close: async () => {},
  };
}

/**
 * A device reached over SSH. Without `agent_command`, the hub runs the agent's tools itself
 * over an SshDevice with the device's policy (the hub is where policy and audit happen for
 * it). With `agent_command`, the agent runs on the device for the session, over stdio on an
 * SSH channel, and enforces its own policy.
 */
export function createSshEndpoint(options: SshEndpointOptions): Endpoint {
  const problem = problemOf(options.ssh);
  if (problem) return failing(options.device, problem);
  const [connection, ...hops] = connect(options.ssh, options.env) as [SshConnection, ...SshConnection[]];
  const closeHops = () => {
    for (const hop of hops) hop.close();
  };

  if (options.agentCommand) {
    const command = options.agentCommand;
    let last: SshChannelTransport | undefined;
    /** An agent that exits at once (bad config, not installed) says why on stderr: pass that on. */
    const withAgentWords = (error: unknown): never => {
      const words = last?.stderrTail.trim().split('\n').slice(-3).join(' | ');
      if (error instanceof FleetError && words) {
        throw new FleetError(
          error.code,
          `${error.message}; the agent said: ${words.slice(-500)}`,
          error.data,
          {
            cause: error,
          },
        );
      }
      throw error;
    };
    const agent = createAgentEndpoint({
      device: options.device,
      url: 'ssh://',
      credential: {},
      clientName: options.clientName,
      clientVersion: options.clientVersion,
      connectTimeoutMs: options.ssh.connectTimeoutMs + 10_000,
      transport: async () => {
        last = new SshChannelTransport(await connection.exec(command));
        return last;
      },
    });
    return {
      device: options.device,
      callTool: (tool, args, call) => agent.callTool(tool, args, call).catch(withAgentWords),
      ping: (signal) => agent.ping(signal).catch(withAgentWords),
      async close() {
        await agent.close();
        connection.close();
        closeHops();
      },
    };
  }

  const device = createSshDevice({
    name: options.device,
    connection,
    maxChannels: options.ssh.maxChannels,
    ...(options.become ? { become: options.become } : {}),
  });
  const pipeline = createLocalEndpoint({
    device,
    catalog: options.catalog,
    policy: options.policy,
    ...(options.onDefect ? { onDefect: options.onDefect } : {}),
  });
  const idleMs = options.ssh.idleCloseMs;
  const idleTimer =
    idleMs > 0
      ? setInterval(
          () => {
            // Hops are held while the tunnel through them is open, so they close after it.
            if (device.closeIfIdle(idleMs) || !connection.connected)
              for (const hop of hops) hop.closeIfIdle(idleMs);
          },
          Math.min(Math.max(idleMs / 4, 1000), 30_000),
        )
      : undefined;
  idleTimer?.unref();
  // A call stuck in the SSH handshake (a stopped host) does not heed its own abort, so close()
  // answers every call in flight CANCELLED at once through this, as the agent endpoint does.
  const closing = new AbortController();
  // One listener per call in flight, each removed when its call settles: not a leak, so no warning.
  setMaxListeners(0, closing.signal);
  return {
    device: options.device,
    callTool: (tool, args, call) => raceAbort(pipeline.callTool(tool, args, call), closing.signal),
    // Presence: a live connection (its keepalives watch it) or a fresh handshake, which also
    // proves the host key and the credentials. A heartbeat does not count as use, so an idle
    // connection still closes and the next heartbeat after that reconnects.
    ping: (signal) => raceAbort(connection.ping(), signal),
    async close() {
      if (idleTimer) clearInterval(idleTimer);
      closing.abort(hubClosedError(options.device));
      // The connection goes first: the calls still running on it then end instead of being waited for.
      device.close();
      closeHops();
      await pipeline.close();
    },
  };
}

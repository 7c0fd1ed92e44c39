import { Client, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import type { ToolCallResult } from '../../tools/index.js';
import type { Credential } from '../inventory/index.js';
import { classifyDownstreamError } from './classify.js';
import { hubClosedError } from './closedError.js';
import { raceAbort } from './raceAbort.js';
import type { Endpoint, EndpointCallOptions } from './types.js';

export interface AgentEndpointOptions {
  device: string;
  /** Streamable HTTP address of the agent; unused when `transport` is given. */
  url: string;
  credential: Credential;
  /** Another way to reach an agent (its stdio over an SSH channel); HTTP to `url` when absent. */
  transport?: () => Promise<Transport>;
  clientName: string;
  clientVersion: string;
  /** Bound on connecting (the era probe); a call's own timeout bounds the rest. */
  connectTimeoutMs?: number;
}

/**
 * A device running `mcp-fleet agent` (or any MCP server with the agent's tools), reached over
 * Streamable HTTP. One SDK client per device, connected once and reused by every call and
 * heartbeat: HTTP keep-alive carries the requests, and no call pays a handshake. A failed
 * connection is dropped so the next call reconnects.
 */
export function createAgentEndpoint(options: AgentEndpointOptions): Endpoint {
  /**
   * The connection being made or in use. The client and its transport are kept from the start,
   * so close() can tear down a handshake that is still under way: an agent that accepts TCP and
   * never answers (or is stopped) would otherwise hold a shutdown for the whole connect timeout.
   */
  let current: Attempt | undefined;
  /** Aborted by close(): every connect in progress, and every call waiting on one, fails at once. */
  const stop = new AbortController();

  function connect(): Promise<Client> {
    if (stop.signal.aborted)
      return Promise.reject(new FleetError('UNAVAILABLE', `${options.device}: endpoint closed`));
    if (options.credential.problem) {
      return Promise.reject(
        new FleetError('UNAVAILABLE', `${options.device} has no credential: ${options.credential.problem}`),
      );
    }
    if (!current) {
      const headers: Record<string, string> = options.credential.token
        ? { authorization: `Bearer ${options.credential.token}` }
        : {};
      const client = new Client(
        { name: options.clientName, version: options.clientVersion },
        { versionNegotiation: { mode: 'auto' } },
      );
      const made = options.transport
        ? options.transport()
        : Promise.resolve(
            new StreamableHTTPClientTransport(new URL(options.url), { requestInit: { headers } }),
          );
      const parts: Parts = { client, transport: undefined };
      const handshake = made
        .then((transport) => {
          parts.transport = transport;
          // Made after close() (an SSH channel opening late): nobody will close it but us.
          if (stop.signal.aborted) {
            void transport.close().catch(() => {});
            throw stop.signal.reason;
          }
          return client.connect(transport, { timeout: options.connectTimeoutMs ?? 10_000 });
        })
        .then(() => client);
      // Settles as soon as close() aborts, without waiting for the handshake to give up.
      const attempt: Attempt = { parts, ready: raceAbort(handshake, stop.signal) };
      current = attempt;
      attempt.ready.catch(() => {
        if (current === attempt) current = undefined;
        void teardown(parts);
      });
    }
    return current.ready;
  }

  /** Drops a client whose connection failed, so the next call starts afresh. */
  function reset(client: Client): void {
    if (current?.parts.client !== client) return;
    const { parts } = current;
    current = undefined;
    void teardown(parts);
  }

  async function withClient<T>(signal: AbortSignal, run: (client: Client) => Promise<T>): Promise<T> {
    let client: Client | undefined;
    try {
      client = await raceAbort(connect(), signal);
      return await run(client);
    } catch (error) {
      if (signal.aborted)
        throw signal.reason instanceof Error ? signal.reason : new FleetError('CANCELLED', 'cancelled');
      // Closing the client fails its calls as "connection closed"; the device did nothing wrong
      // (the hub is shutting down), so it must not read as UNAVAILABLE or count against presence.
      if (stop.signal.aborted) throw hubClosedError(options.device);
      const fleet = classifyDownstreamError(error, options.device);
      if (client && fleet.data.unreachable === true) reset(client);
      throw fleet;
    }
  }

  return {
    device: options.device,
    async callTool(tool: string, args: Record<string, unknown>, call: EndpointCallOptions) {
      return withClient(call.signal, async (client) => {
        const result = await client.callTool(
          { name: tool, arguments: args },
          {
            signal: call.signal,
            timeout: call.timeoutMs,
            ...(call.onProgress
              ? {
                  onprogress: (p: { message?: string }) => {
                    if (p.message) call.onProgress?.(p.message);
                  },
                }
              : {}),
          },
        );
        return result as ToolCallResult;
      });
    },
    async ping(signal: AbortSignal) {
      // 2026-07-28 has no `ping`; `server/discover` is its cheapest request.
      await withClient(signal, async (client) => {
        if (client.getProtocolEra() === 'modern') await client.discover({ signal });
        else await client.ping({ signal });
      });
    },
    /**
     * Cancels at once: calls waiting for the connection and calls running on it fail CANCELLED,
     * and the connection (or the handshake under way) is torn down. Never waits for a connect.
     */
    async close() {
      if (!stop.signal.aborted) stop.abort(hubClosedError(options.device));
      const attempt = current;
      current = undefined;
      if (attempt) await teardown(attempt.parts);
    },
  };
}

/** What one connection is made of; the transport is set once made (an SSH channel takes a while). */
interface Parts {
  client: Client;
  transport: Transport | undefined;
}

interface Attempt {
  parts: Parts;
  /** The connected client; rejects when the handshake fails or the endpoint is closed. */
  ready: Promise<Client>;
}

/**
 * Closes the client and its transport. Both: during the era probe the transport is not yet
 * attached to the client, so closing the client alone would leave the probe's request open.
 * Neither waits on the peer (the HTTP transport aborts its requests, the SSH one ends its channel).
 */
async function teardown(parts: Parts): Promise<void> {
  await parts.client.close().catch(() => {});
  await parts.transport?.close().catch(() => {});
}

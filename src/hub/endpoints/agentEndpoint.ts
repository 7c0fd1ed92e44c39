import { Client, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import type { ToolCallResult } from '../../tools/index.js';
import type { Credential } from '../inventory/index.js';
import { classifyDownstreamError } from './classify.js';
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
  let connecting: Promise<Client> | undefined;
  let closed = false;

  function connect(): Promise<Client> {
    if (closed) return Promise.reject(new FleetError('UNAVAILABLE', `${options.device}: endpoint closed`));
    if (options.credential.problem) {
      return Promise.reject(
        new FleetError('UNAVAILABLE', `${options.device} has no credential: ${options.credential.problem}`),
      );
    }
    if (!connecting) {
      const headers: Record<string, string> = options.credential.token
        ? { authorization: `Bearer ${options.credential.token}` }
        : {};
      const client = new Client(
        { name: options.clientName, version: options.clientVersion },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = options.transport
        ? options.transport()
        : Promise.resolve(
            new StreamableHTTPClientTransport(new URL(options.url), { requestInit: { headers } }),
          );
      const attempt = transport
        .then((t) => client.connect(t, { timeout: options.connectTimeoutMs ?? 10_000 }))
        .then(() => client);
      connecting = attempt;
      attempt.catch(() => {
        if (connecting === attempt) connecting = undefined;
        void client.close().catch(() => {});
      });
    }
    return connecting;
  }

  /** Drops a client whose connection failed, so the next call starts afresh. */
  function reset(client: Client): void {
    if (!connecting) return;
    void connecting.then((current) => {
      if (current === client) {
        connecting = undefined;
        void client.close().catch(() => {});
      }
    });
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
      if (closed) {
        throw new FleetError(
          'CANCELLED',
          `${options.device}: the hub closed its connection (shutting down, or the device left the inventory)`,
          { device: options.device },
        );
      }
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
    async close() {
      closed = true;
      const current = connecting;
      connecting = undefined;
      if (current) await current.then((c) => c.close()).catch(() => {});
    },
  };
}

import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type { Device } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import type { ToolPipeline } from '../tools/index.js';
import { createInFlightCalls } from './inFlightCalls.js';
import { progressNotifier } from './progress.js';

export interface McpServerDeps {
  name: string;
  version: string;
  device: Device;
  pipeline: ToolPipeline;
}

/**
 * Builds the low-level SDK `Server` for one serving unit (one HTTP request, or one stdio
 * connection). Tool schemas come precomputed from the catalogue, so the per-request factory
 * does no schema conversion. The principal comes from the transport's verified auth info.
 */
export function createMcpServerFactory(deps: McpServerDeps) {
  const inFlight = createInFlightCalls();
  return ({
    authInfo,
    era,
    requestInfo,
  }: {
    authInfo?: { clientId?: string };
    era?: 'legacy' | 'modern';
    requestInfo?: unknown;
  } = {}): Server => {
    const principal = authInfo?.clientId ?? 'stdio';
    // Stateless legacy HTTP: a cancellation reaches a fresh instance, so route it ourselves.
    // (stdio keeps one instance per connection and modern HTTP cancels by closing the stream.)
    const routeCancels = era === 'legacy' && requestInfo !== undefined;
    const server = new Server(
      { name: deps.name, version: deps.version },
      {
        capabilities: { tools: { listChanged: false } },
        instructions:
          `Tools to administer the Linux machine "${deps.device.name}". Prefer system_status, processes, ` +
          'logs and read_file to look before exec and write_file change anything.',
      },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: await deps.pipeline.list() }));
    if (routeCancels) {
      server.setNotificationHandler('notifications/cancelled', (notification) => {
        const id = notification.params.requestId;
        if (id !== undefined) inFlight.cancel(principal, id, notification.params.reason);
      });
    }
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      const progress = progressNotifier(ctx.mcpReq);
      const call = routeCancels ? inFlight.register(principal, ctx.mcpReq.id) : undefined;
      try {
        return await deps.pipeline.call(name, request.params.arguments, {
          principal,
          signal: call ? AbortSignal.any([ctx.mcpReq.signal, call.signal]) : ctx.mcpReq.signal,
          progress,
        });
      } catch (error) {
        // An unknown tool is a protocol error (the pipeline audited it); tool failures never get here.
        if (error instanceof FleetError && error.code === 'NOT_FOUND') {
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
        }
        throw error;
      } finally {
        call?.done();
      }
    });
    return server;
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../log/index.js';
import { admit, answerHealthz, type HttpFrontState, reply, rpcError } from './admission.js';

export interface HttpFrontDeps {
  /** The MCP handler (`toNodeHandler(createMcpHandler(...))`). */
  mcp: (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse) => Promise<void>;
  /** Read per request, so a reloaded config applies at once. */
  state: () => HttpFrontState;
  logger: Logger;
  /** Called when a request starts and ends: drives --idle-exit. */
  activity?: { start(): void; end(): void };
  mcpPath?: string;
}

/**
 * The agent's HTTP front: `/healthz` without auth, `/mcp` behind Host/Origin checks, a body
 * size limit and bearer auth, in that order, before the SDK handler sees anything.
 */
export function createHttpFront(deps: HttpFrontDeps): Server {
  const mcpPath = deps.mcpPath ?? '/mcp';

  async function handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (answerHealthz(path, req, res)) return;
    if (path !== mcpPath) return reply(res, 404, { error: 'not found' });

    if (admit(req, res, deps.state(), deps.logger) === undefined) return;
    await deps.mcp(req, res);
  }

  return createServer((req, res) => {
    deps.activity?.start();
    res.on('close', () => deps.activity?.end());
    handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'request failed');
      reply(res, 500, rpcError(-32603, 'Internal error'));
    });
  });
}

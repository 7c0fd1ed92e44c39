import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../log/index.js';
import {
  admit,
  answerHealthz,
  closeWhenAsked,
  type HttpFrontState,
  readRpcBody,
  reply,
  rpcError,
} from './admission.js';

export interface HttpFrontDeps {
  /** The MCP handler (`toNodeHandler(createMcpHandler(...))`). */
  mcp: (
    req: IncomingMessage & { auth?: AuthInfo },
    res: ServerResponse,
    parsedBody?: unknown,
  ) => Promise<void>;
  /** Read per request, so a reloaded config applies at once. */
  state: () => HttpFrontState;
  logger: Logger;
  /** Called when a request starts and ends: drives --idle-exit. */
  activity?: { start(): void; end(): void };
  mcpPath?: string;
}

/**
 * The agent's HTTP front: `/healthz` without auth, `/mcp` behind Host/Origin checks, a body
 * size limit and bearer auth, in that order, before the SDK handler sees anything; a POST body
 * is read, bounded in size and nesting, and parsed here, and handed to the SDK parsed.
 */
export function createHttpFront(deps: HttpFrontDeps): Server {
  const mcpPath = deps.mcpPath ?? '/mcp';

  async function handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (answerHealthz(path, req, res)) return;
    if (path !== mcpPath) return reply(res, 404, { error: 'not found' });

    const state = deps.state();
    if (admit(req, res, state, deps.logger) === undefined) return;
    if (req.method !== 'POST') return deps.mcp(req, res);
    const body = await readRpcBody(req, res, state.maxBodyBytes);
    if (body !== undefined) await deps.mcp(req, res, body.value);
  }

  // Slow-loris defence (the header deadline itself, headersTimeout, is set by runAgent; a POST
  // body has readRpcBody's): the header deadline is checked every connectionsCheckingInterval,
  // so a trickling client is cut within seconds of it, not up to 30 s later.
  return createServer({ connectionsCheckingInterval: 5_000 }, (req, res) => {
    closeWhenAsked(req, res);
    deps.activity?.start();
    res.on('close', () => deps.activity?.end());
    handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'request failed');
      reply(res, 500, rpcError(-32603, 'Internal error'));
    });
  });
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../log/index.js';
import { type TokenEntry, verifyBearer } from './auth.js';
import { checkRequest, type GuardOptions } from './requestGuards.js';

export interface HttpFrontState {
  /** Empty with `insecure` means no auth at all (refused on non-loopback binds unless --insecure). */
  tokens: readonly TokenEntry[];
  insecure: boolean;
  guards: GuardOptions;
  maxBodyBytes: number;
}

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

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', id: null, error: { code, message } });

/**
 * The agent's HTTP front: `/healthz` without auth, `/mcp` behind Host/Origin checks, a body
 * size limit and bearer auth, in that order, before the SDK handler sees anything.
 */
export function createHttpFront(deps: HttpFrontDeps): Server {
  const mcpPath = deps.mcpPath ?? '/mcp';

  async function handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return reply(res, 405, { error: 'method not allowed' });
      return reply(res, 200, { status: 'ok' });
    }
    if (path !== mcpPath) return reply(res, 404, { error: 'not found' });

    const state = deps.state();
    const refused = checkRequest(req, state.guards);
    if (refused) {
      deps.logger.warn({ host: req.headers.host, origin: req.headers.origin }, `refused: ${refused}`);
      return reply(res, 403, rpcError(-32000, `Forbidden: ${refused}`));
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > state.maxBodyBytes) {
      return reply(res, 413, rpcError(-32000, `Request body over ${state.maxBodyBytes} bytes`), {
        connection: 'close',
      });
    }
    let principal = 'anonymous';
    if (!(state.insecure && state.tokens.length === 0)) {
      const entry = verifyBearer(req.headers.authorization, state.tokens);
      if (!entry) {
        return reply(res, 401, rpcError(-32001, 'Unauthorized: a valid bearer token is required'), {
          'www-authenticate': 'Bearer realm="mcp-fleet"',
        });
      }
      principal = entry.name;
    }
    req.auth = { token: '', clientId: principal, scopes: [] };
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../log/index.js';
import { type TokenEntry, verifyBearer } from './auth.js';
import { checkRequest, type GuardOptions } from './requestGuards.js';

/** What an MCP endpoint admits requests by; read per request, so a reloaded config applies at once. */
export interface HttpFrontState {
  /** Token hashes, by the name calls are audited under. Empty with `insecure`: no auth at all. */
  tokens: readonly TokenEntry[];
  insecure: boolean;
  guards: GuardOptions;
  maxBodyBytes: number;
}

/** Writes a JSON answer, or just ends a response whose headers already went out. */
export function reply(
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

/**
 * `/healthz` for the agent's and the hub's HTTP fronts: no auth and no detail, only whether
 * the process answers. True when `path` was the health path and the request is answered.
 */
export function answerHealthz(path: string | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  if (path !== '/healthz') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') reply(res, 405, { error: 'method not allowed' });
  else reply(res, 200, { status: 'ok' });
  return true;
}

export const rpcError = (code: number, message: string) => ({
  jsonrpc: '2.0',
  id: null,
  error: { code, message },
});

/**
 * The checks every MCP request passes before the SDK sees it, in this order: Host/Origin (403),
 * declared body size (413), bearer token (401). Returns the caller's name, set as `req.auth`,
 * or `undefined` after answering the refusal itself. The agent and the hub share it, so they
 * refuse the same requests the same way.
 */
export function admit(
  req: IncomingMessage & { auth?: AuthInfo },
  res: ServerResponse,
  state: HttpFrontState,
  logger: Logger,
): string | undefined {
  const refused = checkRequest(req, state.guards);
  if (refused) {
    logger.warn({ host: req.headers.host, origin: req.headers.origin }, `refused: ${refused}`);
    reply(res, 403, rpcError(-32000, `Forbidden: ${refused}`));
    return undefined;
  }
  if (Number(req.headers['content-length'] ?? 0) > state.maxBodyBytes) {
    reply(res, 413, rpcError(-32000, `Request body over ${state.maxBodyBytes} bytes`), {
      connection: 'close',
    });
    return undefined;
  }
  let principal = 'anonymous';
  if (!(state.insecure && state.tokens.length === 0)) {
    const entry = verifyBearer(req.headers.authorization, state.tokens);
    if (!entry) {
      reply(res, 401, rpcError(-32001, 'Unauthorized: a valid bearer token is required'), {
        'www-authenticate': 'Bearer realm="mcp-fleet"',
      });
      return undefined;
    }
    principal = entry.name;
  }
  req.auth = { token: '', clientId: principal, scopes: [] };
  return principal;
}

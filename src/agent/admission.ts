import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../log/index.js';
import { type TokenEntry, verifyBearer } from './auth.js';
import { checkRequest, type GuardOptions, isWellFormedHost } from './requestGuards.js';

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

/**
 * Honours a client's `Connection: close` (or an HTTP/1.0 request without keep-alive): the
 * socket ends once the answer is out. The SDK labels its event streams `Connection:
 * keep-alive`, and Node lets that header override the client's request, so without this a
 * client that reads until the server closes (as HTTP/1.1 entitles it to) waits out the
 * keep-alive timeout after every streamed answer, holding a socket on both ends.
 */
export function closeWhenAsked(req: IncomingMessage, res: ServerResponse): void {
  const tokens = (req.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase());
  const asked = tokens.includes('close') || (req.httpVersion === '1.0' && !tokens.includes('keep-alive'));
  if (!asked) return;
  // Held now: Node detaches the socket from a response that closes by itself (req.socket is
  // then null by the time 'finish' fires), and ending it twice is harmless.
  const socket = req.socket;
  res.once('finish', () => {
    if (!socket.destroyed) socket.end();
  });
}

/**
 * How deeply a request body may nest arrays and objects. MCP messages need a handful of levels;
 * thousands overflow the stack of whatever walks the value recursively (the SDK re-serialising
 * a parsed body, audit redaction), which surfaced as a 500 or an unaudited internal error.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON `text` nests arrays and objects deeper than `max`: one pass, no recursion. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A body must arrive within this long: a client trickling bytes must not hold a socket forever. */
const BODY_TIMEOUT_MS = 30_000;

/**
 * A request body, read within BODY_TIMEOUT_MS: the bytes, `'too-large'` as soon as it passes
 * `limit` (the rest is not read), or `'unreadable'` (the client went away, or the deadline passed).
 */
export async function readBodyBytes(
  req: IncomingMessage,
  limit: number,
): Promise<Buffer | 'too-large' | 'unreadable'> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => req.destroy(new Error('request body timed out')), BODY_TIMEOUT_MS);
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return 'too-large';
      chunks.push(chunk as Buffer);
    }
  } catch {
    return 'unreadable';
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads and parses a POSTed MCP body, answering a refusal itself (413 over `limit` bytes, 400
 * when it is not JSON or nests deeper than MAX_JSON_DEPTH) and returning `undefined` then. The
 * parsed value goes to the SDK handler as its `parsedBody`, so nothing parses the body twice.
 */
export async function readRpcBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<{ value: unknown } | undefined> {
  const body = await readBodyBytes(req, limit);
  if (body === 'too-large') {
    reply(res, 413, rpcError(-32000, `Request body over ${limit} bytes`), { connection: 'close' });
    return undefined;
  }
  if (body === 'unreadable') {
    reply(res, 400, rpcError(-32000, 'Bad Request: the body could not be read'));
    return undefined;
  }
  // Decoded as the SDK would: invalid bytes become U+FFFD and a leading BOM is dropped.
  const text = new TextDecoder().decode(body);
  let value: unknown;
  try {
    value = JSON.parse(text); // iterative in V8: any depth parses; walking the value is what overflows
  } catch {
    reply(res, 400, rpcError(-32700, 'Parse error: Invalid JSON'));
    return undefined;
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    reply(res, 400, rpcError(-32600, `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
    return undefined;
  }
  return { value };
}

export const rpcError = (code: number, message: string) => ({
  jsonrpc: '2.0',
  id: null,
  error: { code, message },
});

/**
 * The HTTP methods of Streamable HTTP. Others are refused here: the SDK turns a request into a
 * fetch `Request`, which throws on TRACE, TRACK and CONNECT, and that surfaced as a 500.
 */
const MCP_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'DELETE']);

/**
 * The checks every MCP request passes before the SDK sees it, in this order: a well-formed Host
 * (400), Host/Origin (403), HTTP method (405), declared body size (413), bearer token (401). Returns the caller's name, set as `req.auth`,
 * or `undefined` after answering the refusal itself. The agent and the hub share it, so they
 * refuse the same requests the same way.
 */
export function admit(
  req: IncomingMessage & { auth?: AuthInfo },
  res: ServerResponse,
  state: HttpFrontState,
  logger: Logger,
): string | undefined {
  // Node refuses an HTTP/1.1 request without Host; an HTTP/1.0 one may omit it (checked below).
  if (req.headers.host !== undefined && !isWellFormedHost(req.headers.host)) {
    reply(res, 400, rpcError(-32000, 'Bad Request: malformed Host header'));
    return undefined;
  }
  const refused = checkRequest(req, state.guards);
  if (refused) {
    logger.warn({ host: req.headers.host, origin: req.headers.origin }, `refused: ${refused}`);
    reply(res, 403, rpcError(-32000, `Forbidden: ${refused}`));
    return undefined;
  }
  if (!MCP_METHODS.has(req.method ?? '')) {
    reply(res, 405, rpcError(-32000, 'Method not allowed.'), { allow: [...MCP_METHODS].join(', ') });
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

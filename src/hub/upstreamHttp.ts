import { randomUUID } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler, isLegacyRequest, type Server } from '@modelcontextprotocol/server';
import {
  admit,
  answerHealthz,
  checkRequest,
  closeWhenAsked,
  type HttpFrontState,
  readBodyBytes,
  readRpcBody,
  reply,
  rpcError,
} from '../agent/index.js';
import type { Logger } from '../log/index.js';

export interface UpstreamDeps {
  factory: (ctx: { authInfo?: AuthInfo }) => Server;
  state: () => HttpFrontState;
  logger: Logger;
  /** `POST /enroll`: the join token in the body is the credential, so no bearer is asked for. */
  enroll?: (body: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;
  /** Bounds `POST /enroll` attempts per client address (a join token is guessable only by brute force). */
  enrollLimiter?: (address: string) => Promise<boolean>;
  /** Legacy (2025-era) sessions kept at most; the idlest is closed to make room. */
  maxSessions?: number;
  sessionIdleMs?: number;
}

export interface Upstream {
  server: HttpServer;
  /** Tells every open client that tools, resources or prompts changed. */
  notifyListChanged(): void;
  close(): Promise<void>;
}

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: Server;
  principal: string;
  lastUsed: number;
}

/**
 * The hub's HTTP face. 2026-07-28 requests go to the SDK's stateless handler; 2025-era clients
 * get real sessions (the SDK's sessionful transport), because only a session has the stream on
 * which a legacy client hears `list_changed` when the inventory changes. Host/Origin checks,
 * the body limit and bearer auth come first, and a session answers only the principal that
 * opened it.
 */
export function createUpstream(deps: UpstreamDeps): Upstream {
  const maxSessions = deps.maxSessions ?? 1000;
  const idleMs = deps.sessionIdleMs ?? 30 * 60_000;
  const sessions = new Map<string, Session>();
  const modern = createMcpHandler(
    (ctx) => deps.factory({ ...(ctx.authInfo ? { authInfo: ctx.authInfo } : {}) }),
    {
      legacy: 'reject',
      maxRequestBodySize: deps.state().maxBodyBytes,
      onerror: (error) => deps.logger.debug({ err: error }, 'mcp handler'),
    },
  );
  const modernNode = toNodeHandler(modern, { maxRequestBodySize: deps.state().maxBodyBytes });

  /** Closes sessions idle too long, then the least recently used until there is room for one more. */
  function evict(now: number): void {
    for (const [id, s] of [...sessions]) {
      if (now - s.lastUsed <= idleMs) continue;
      sessions.delete(id);
      void s.transport.close().catch(() => {});
    }
    while (sessions.size >= maxSessions) {
      const oldest = sessions.entries().next().value;
      if (!oldest) break;
      sessions.delete(oldest[0]);
      void oldest[1].transport.close().catch(() => {});
    }
  }
  // Idle sessions (their SSE streams hold sockets) are swept even when no new session comes.
  const sweeper = setInterval(() => evict(Date.now()), Math.min(idleMs, 60_000));
  sweeper.unref();

  async function legacy(
    req: IncomingMessage & { auth?: AuthInfo },
    res: ServerResponse,
    body: unknown,
    principal: string,
  ) {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string' && sid) {
      const session = sessions.get(sid);
      if (!session || session.principal !== principal) {
        return reply(res, 404, rpcError(-32001, 'Session not found'));
      }
      session.lastUsed = Date.now();
      // Re-insert so the map stays ordered from least to most recently used.
      sessions.delete(sid);
      sessions.set(sid, session);
      return session.transport.handleRequest(req, res, body);
    }
    const isInit = Array.isArray(body)
      ? body.some((m) => (m as { method?: unknown })?.method === 'initialize')
      : (body as { method?: unknown } | undefined)?.method === 'initialize';
    if (req.method !== 'POST' || !isInit) {
      return reply(res, 400, rpcError(-32000, 'Bad Request: Mcp-Session-Id header is required'));
    }
    evict(Date.now());
    const server = deps.factory({ ...(req.auth ? { authInfo: req.auth } : {}) });
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, principal, lastUsed: Date.now() });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (answerHealthz(path, req, res)) return;
    const state = deps.state();
    if (path === '/enroll' && deps.enroll) {
      if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' });
      const refused = checkRequest(req, { ...state.guards, loopbackOnly: false });
      if (refused) return reply(res, 403, { error: `Forbidden: ${refused}` });
      if (deps.enrollLimiter && !(await deps.enrollLimiter(req.socket.remoteAddress ?? ''))) {
        return reply(res, 429, { error: 'too many enrollment attempts; try again in a minute' });
      }
      const body = await readBodyBytes(req, 64 * 1024);
      let parsed: unknown;
      try {
        parsed = typeof body === 'string' ? undefined : JSON.parse(body.toString('utf8'));
      } catch {
        // not JSON: refused below, like a body that could not be read
      }
      if (parsed === undefined) {
        return reply(res, body === 'too-large' ? 413 : 400, {
          error: 'the body must be JSON of at most 64 KiB',
        });
      }
      const answer = await deps.enroll(parsed);
      return reply(res, answer.status, answer.body);
    }
    if (path !== '/mcp') return reply(res, 404, { error: 'not found' });

    const principal = admit(req, res, state, deps.logger);
    if (principal === undefined) return;

    if (req.method !== 'POST') return legacy(req, res, undefined, principal); // GET stream, DELETE session
    const parsed = await readRpcBody(req, res, state.maxBodyBytes);
    if (parsed === undefined) return;
    const body = parsed.value;
    const probe = await toWebRequest(req, body);
    if (await isLegacyRequest(probe)) return legacy(req, res, body, principal);
    return modernNode(req, res, body);
  }

  // Slow-loris defence: a request's headers must be complete within headersTimeout of its
  // first byte (trickling a byte at a time does not extend it), else 408 and the socket is
  // closed; the check runs every connectionsCheckingInterval, so a connection is reclaimed
  // at most 35 s after it started. A body has its own deadline (readRpcBody).
  const server = createServer({ connectionsCheckingInterval: 5_000 }, (req, res) => {
    closeWhenAsked(req, res);
    handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'request failed');
      reply(res, 500, rpcError(-32603, 'Internal error'));
    });
  });
  server.requestTimeout = 0; // long fan-outs stream for as long as their own deadline allows
  server.maxConnections = 4096;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  return {
    server,
    notifyListChanged() {
      modern.notify.toolsChanged();
      modern.notify.resourcesChanged();
      modern.notify.promptsChanged();
      for (const s of sessions.values()) {
        void s.server.sendToolListChanged().catch(() => {});
        void s.server.sendResourceListChanged().catch(() => {});
        void s.server.sendPromptListChanged().catch(() => {});
      }
    },
    async close() {
      clearInterval(sweeper);
      server.closeIdleConnections();
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      sessions.clear();
      await modern.close().catch(() => {});
      // The calls in flight have been answered by now (runHub drains them first), so the
      // connections left are idle or stuck: cut them instead of waiting for each to end.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

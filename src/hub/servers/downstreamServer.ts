import type {
  CallToolResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import { packageVersion } from '../../version.js';
import type { ServerConfig } from '../inventory/schema.js';
import { createBackoff, DEFAULT_BACKOFF } from './backoff.js';
import {
  type DownstreamConnection,
  emptyListings,
  type Listings,
  openConnection,
} from './downstreamConnection.js';
import {
  describeError,
  isConnectionLost,
  isEraNegotiationFailure,
  isPermanentFailure,
  toFleetError,
} from './downstreamErrors.js';

/**
 * - starting: the first connection attempt is under way.
 * - ready: connected; calls go through.
 * - restarting: the connection failed or dropped; another attempt is pending or under way.
 * - failed: like restarting, but the last error looks permanent (command not found, credential
 *   refused), so attempts are spaced at the longest backoff.
 * - stopped: close() was called. disabled: `enabled: false` in the config; nothing runs.
 */
export interface DownstreamStatus {
  state: 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped' | 'disabled';
  /** Connection attempts after the first one. */
  restarts: number;
  last_error: string | null;
  /** A stdio server's process (group) id while it runs; null over HTTP. */
  pid: number | null;
}

export interface CallToolOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onProgress?: (message: string) => void;
}

export interface DownstreamServer {
  readonly name: string;
  /**
   * Cached listings, refreshed at (re)connect and when the server says they changed. Raw:
   * un-renamed, unfiltered. A refresh replaces an array, so its identity tells a change; do not mutate.
   */
  tools(): Tool[];
  resources(): Resource[];
  resourceTemplates(): ResourceTemplate[];
  prompts(): Prompt[];
  callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    opts: CallToolOptions,
  ): Promise<CallToolResult>;
  readResource(uri: string, opts: { signal: AbortSignal }): Promise<ReadResourceResult>;
  getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    opts: { signal: AbortSignal },
  ): Promise<GetPromptResult>;
  status(): DownstreamStatus;
  /** Stops the server; a stdio server's whole process group is killed and verified gone. Idempotent. */
  close(): Promise<void>;
}

export interface DownstreamDeps {
  /** Bearer token for a url server, resolved by the caller. */
  token?: string;
  /** The hub's environment; a stdio server gets a safe subset plus its configured env. Default process.env. */
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Listings changed (tools, resources or prompts): the hub tells its clients. */
  onChange: () => void;
  backoff?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** Bounds a connection attempt's handshake and each listing request. Default 30 s (npx may download first). */
  connectTimeoutMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  clearTimer?: (timer: NodeJS.Timeout) => void;
  open?: typeof openConnection;
}

function sameListings(a: Listings, b: Listings): boolean {
  return (
    JSON.stringify([a.tools, a.resources, a.resourceTemplates, a.prompts]) ===
    JSON.stringify([b.tools, b.resources, b.resourceTemplates, b.prompts])
  );
}

/**
 * A downstream MCP server the hub fronts, kept connected by a supervisor: one SDK client per
 * connection, reused by every call. When the connection fails or drops (a stdio server
 * crashed, an HTTP server went away) it reconnects with exponential backoff, and calls fail
 * fast with UNAVAILABLE meanwhile instead of queueing. The last listings are kept while it is
 * down, so clients do not see tools flap with every restart.
 */
export function createDownstreamServer(
  name: string,
  config: ServerConfig,
  deps: DownstreamDeps,
): DownstreamServer {
  const logger = deps.logger.child({ server: name });
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? clearTimeout;
  const open = deps.open ?? openConnection;
  const backoffOptions = { ...DEFAULT_BACKOFF, ...deps.backoff };
  const backoff = createBackoff(backoffOptions);
  const timeoutMs = deps.connectTimeoutMs ?? 30_000;
  const clientVersion = packageVersion();

  let state: DownstreamStatus['state'] = config.enabled ? 'starting' : 'disabled';
  let restarts = 0;
  let lastError: string | null = null;
  let listings = emptyListings();
  let connection: DownstreamConnection | undefined;
  let upSince = 0;
  // A stdio server that answered `initialize` once will again: its restarts skip the era probe.
  // (Not cached for HTTP: a remote server may be upgraded while the hub runs.)
  let legacy = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;
  let attemptAbort: AbortController | undefined;
  let closing: Promise<void> | undefined;

  function publish(next: Listings): void {
    if (sameListings(listings, next)) return;
    listings = next;
    try {
      deps.onChange();
    } catch (error) {
      logger.error({ err: describeError(error) }, 'onChange handler threw');
    }
  }

  function scheduleRetry(delayMs: number): void {
    retryTimer = setTimer(() => {
      retryTimer = undefined;
      if (closing) return;
      restarts++;
      attempt = connect();
    }, delayMs);
  }

  async function connect(): Promise<void> {
    const abort = new AbortController();
    attemptAbort = abort;
    let next: DownstreamConnection;
    try {
      next = await open({
        name,
        config,
        token: deps.token,
        env: deps.env ?? process.env,
        logger,
        clientVersion,
        timeoutMs,
        signal: abort.signal,
        legacy,
        relistenMs: backoffOptions.initialMs,
        onListings: (fresh) => {
          if (connection === next) publish(fresh);
        },
      });
    } catch (error) {
      if (closing) return;
      if (isEraNegotiationFailure(error) && config.command) legacy = true;
      lastError = describeError(error);
      const permanent = isPermanentFailure(error);
      state = permanent ? 'failed' : 'restarting';
      const delay = permanent ? backoff.max() : backoff.next();
      logger.warn({ err: lastError, retry_ms: delay }, 'downstream server connection failed');
      scheduleRetry(delay);
      return;
    } finally {
      attemptAbort = undefined;
    }
    if (closing) {
      await next.close();
      return;
    }
    connection = next;
    if (config.command) legacy = next.legacy;
    upSince = now();
    state = 'ready';
    lastError = null;
    logger.info({ server_pid: next.pid, restarts }, 'downstream server ready');
    publish(next.listings());
    void next.ended.then((reason) => dropped(next, reason));
  }

  /** The connection ended or broke: forget it, make sure it is torn down, and schedule a reconnect. */
  function dropped(which: DownstreamConnection, reason: string): void {
    if (connection !== which || closing) return;
    connection = undefined;
    void which.close();
    backoff.connectionEnded(now() - upSince);
    lastError = reason;
    state = 'restarting';
    const delay = backoff.next();
    logger.warn({ err: reason, retry_ms: delay }, 'downstream server connection lost');
    scheduleRetry(delay);
  }

  function current(): DownstreamConnection {
    if (state === 'ready' && connection) return connection;
    const why = lastError ? `: ${lastError}` : '';
    throw new FleetError('UNAVAILABLE', `server ${name} is ${state}${why}`, { server: name, state });
  }

  /** Runs one request on the live connection, mapping failures; a lost connection triggers a reconnect. */
  async function request<T>(
    signal: AbortSignal,
    run: (conn: DownstreamConnection) => Promise<T>,
  ): Promise<T> {
    if (signal.aborted)
      throw new FleetError('CANCELLED', `the call to ${name} was cancelled`, { server: name });
    const conn = current();
    try {
      return await run(conn);
    } catch (error) {
      if (!signal.aborted && isConnectionLost(error)) dropped(conn, describeError(error));
      throw toFleetError(name, error, signal);
    }
  }

  if (config.enabled) attempt = connect();

  return {
    name,
    tools: () => listings.tools,
    resources: () => listings.resources,
    resourceTemplates: () => listings.resourceTemplates,
    prompts: () => listings.prompts,
    callTool(tool, args, opts) {
      return request(opts.signal, async (conn) => {
        const { onProgress } = opts;
        const result = await conn.client.callTool(
          { name: tool, ...(args ? { arguments: args } : {}) },
          {
            signal: opts.signal,
            timeout: opts.timeoutMs,
            maxTotalTimeout: opts.timeoutMs,
            ...(onProgress
              ? {
                  onprogress: (p: { progress: number; total?: number; message?: string }) =>
                    onProgress(p.message ?? `${p.progress}${p.total !== undefined ? `/${p.total}` : ''}`),
                }
              : {}),
          },
        );
        return result as CallToolResult;
      });
    },
    readResource(uri, opts) {
      return request(opts.signal, (conn) =>
        conn.client.readResource({ uri }, { signal: opts.signal, timeout: timeoutMs, cacheMode: 'bypass' }),
      );
    },
    getPrompt(prompt, args, opts) {
      return request(opts.signal, (conn) =>
        conn.client.getPrompt(
          { name: prompt, ...(args ? { arguments: args } : {}) },
          { signal: opts.signal, timeout: timeoutMs },
        ),
      );
    },
    status: () => ({ state, restarts, last_error: lastError, pid: connection?.pid ?? null }),
    close() {
      closing ??= (async () => {
        if (retryTimer) clearTimer(retryTimer);
        retryTimer = undefined;
        attemptAbort?.abort();
        await attempt?.catch(() => {});
        const conn = connection;
        connection = undefined;
        await conn?.close();
        listings = emptyListings();
        if (state !== 'disabled') state = 'stopped';
      })();
      return closing;
    },
  };
}

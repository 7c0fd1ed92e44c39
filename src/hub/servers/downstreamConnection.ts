import type {
  McpSubscription,
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  SubscriptionFilter,
  Tool,
  Transport,
} from '@modelcontextprotocol/client';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import type { ServerConfig } from '../inventory/schema.js';
import { createStdioTransport, StdioTransport, stdioChildEnv } from './stdioTransport.js';

/**
 * What a server lists. The arrays are replaced on every refresh and never mutated (by us or by
 * callers), so an array's identity tells whether it changed.
 */
export interface Listings {
  readonly tools: Tool[];
  readonly resources: Resource[];
  readonly resourceTemplates: ResourceTemplate[];
  readonly prompts: Prompt[];
}

export function emptyListings(): Listings {
  return { tools: [], resources: [], resourceTemplates: [], prompts: [] };
}

type ListKind = 'tools' | 'resources' | 'prompts';

export interface OpenConnectionOptions {
  name: string;
  config: ServerConfig;
  token?: string;
  /** The hub's environment; only a safe subset reaches a stdio server. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clientVersion: string;
  /** Bounds the handshake and each listing request. */
  timeoutMs: number;
  /** Aborts the attempt (the server is being closed); the half-open connection is torn down. */
  signal: AbortSignal;
  /** Known from an earlier connection: skip the `server/discover` probe. */
  legacy: boolean;
  /** Listings changed after a list_changed notification (not called for the initial fetch). */
  onListings: (listings: Listings) => void;
  /** Pause before a dropped subscription stream is re-opened. */
  relistenMs: number;
  createStdio?: typeof createStdioTransport;
}

/** One live connection to a downstream server: one SDK client, reused by every call. */
export interface DownstreamConnection {
  readonly client: Client;
  readonly transport: Transport;
  /** The stdio server's process group id; null over HTTP. */
  readonly pid: number | null;
  /** Whether the connection negotiated the 2025 era (cached so a restart can skip the probe). */
  readonly legacy: boolean;
  listings(): Listings;
  /** Resolves, with a reason, when the connection ends on its own (crash, server gone). */
  readonly ended: Promise<string>;
  /** Closes the client and transport; a stdio server's process group is killed and verified gone. */
  close(): Promise<void>;
}

/** Legacy HTTP+SSE when asked for, or when the URL path ends in `/sse` (that transport's usual endpoint). */
export function usesSse(config: ServerConfig): boolean {
  if (config.transport) return config.transport === 'sse';
  return config.url !== undefined && /\/sse\/?$/.test(new URL(config.url).pathname);
}

function buildTransport(options: OpenConnectionOptions): Transport {
  const { config } = options;
  if (config.command) {
    return (options.createStdio ?? createStdioTransport)({
      command: config.command,
      args: config.args,
      env: stdioChildEnv(options.env, config.env),
      cwd: config.cwd,
      logger: options.logger,
    });
  }
  const url = new URL(config.url ?? '');
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return usesSse(config)
    ? new SSEClientTransport(url, { requestInit: { headers } })
    : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
}

/**
 * Connects to a server and fetches its listings. Change notifications are wired for both eras:
 * 2025 servers send `list_changed` unsolicited; 2026 servers only on a `subscriptions/listen`
 * stream, which is opened here and re-opened if it drops while the connection lives.
 */
export async function openConnection(options: OpenConnectionOptions): Promise<DownstreamConnection> {
  const { config, logger, signal } = options;
  const sse = usesSse(config);
  const transport = buildTransport(options);
  const client = new Client(
    { name: 'mcp-fleet-hub', version: options.clientVersion },
    {
      // The SSE transport predates the 2026 era: no server behind it answers server/discover.
      versionNegotiation: sse
        ? { mode: 'legacy' }
        : // On stdio a silent probe means a legacy server; do not stall a start for long on it.
          {
            mode: 'auto',
            probe: { timeoutMs: config.command ? Math.min(options.timeoutMs, 5000) : options.timeoutMs },
          },
      listMaxPages: 100,
    },
  );

  let listings = emptyListings();
  let open = true;
  let subscription: McpSubscription | undefined;
  let relistenTimer: NodeJS.Timeout | undefined;
  let resolveEnded: (reason: string) => void = () => {};
  const ended = new Promise<string>((resolve) => {
    resolveEnded = resolve;
  });

  /** The connection ended on its own; the supervisor hears it through `ended`. */
  function end(reason: string): void {
    if (!open) return;
    open = false;
    resolveEnded(reason);
  }
  client.onclose = () => {
    const exit = transport instanceof StdioTransport ? transport.exit() : undefined;
    const code = exit?.code !== null && exit?.code !== undefined ? ` with code ${exit.code}` : '';
    const signalled = exit?.signal ? ` on ${exit.signal}` : '';
    const tail = exit?.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-3).join(' | ')}` : '';
    end(exit ? `exited${code}${signalled}${tail}` : 'connection closed');
  };
  client.onerror = (error) => logger.debug({ err: error.message }, 'downstream client error');

  async function fetchKind(kind: ListKind, next: Listings): Promise<Listings> {
    const caps = client.getServerCapabilities();
    const request = { signal, timeout: options.timeoutMs, cacheMode: 'refresh' as const };
    if (kind === 'tools') {
      return { ...next, tools: caps?.tools ? (await client.listTools(undefined, request)).tools : [] };
    }
    if (kind === 'prompts') {
      return {
        ...next,
        prompts: caps?.prompts ? (await client.listPrompts(undefined, request)).prompts : [],
      };
    }
    if (!caps?.resources) return { ...next, resources: [], resourceTemplates: [] };
    const { resources } = await client.listResources(undefined, request);
    let resourceTemplates = next.resourceTemplates;
    try {
      resourceTemplates = (await client.listResourceTemplates(undefined, request)).resourceTemplates;
    } catch (error) {
      // Templates are optional for a server with resources; some answer "method not found".
      if (!open || signal.aborted) throw error;
      logger.debug({ err: (error as Error).message }, 'downstream resource templates unavailable');
    }
    return { ...next, resources, resourceTemplates };
  }

  /** Each listing is fetched on its own: a server whose prompts/list is broken still serves its tools. */
  async function fetchAll(kinds: readonly ListKind[]): Promise<Listings> {
    let next = listings;
    for (const kind of kinds) {
      try {
        next = await fetchKind(kind, next);
      } catch (error) {
        if (!open || signal.aborted) throw error;
        logger.warn(
          { err: (error as Error).message, list: kind },
          'downstream listing failed; keeping the last one',
        );
      }
    }
    return next;
  }

  // Notifications can arrive in bursts: one refresh runs at a time and picks up whatever piled up.
  const pending = new Set<ListKind>();
  let refreshing = false;
  async function refresh(kinds: readonly ListKind[]): Promise<void> {
    for (const kind of kinds) pending.add(kind);
    if (refreshing) return;
    refreshing = true;
    try {
      while (pending.size > 0 && open) {
        const batch = [...pending];
        pending.clear();
        listings = await fetchAll(batch);
        options.onListings(listings);
      }
    } catch {
      // the connection ended meanwhile; the supervisor reconnects and fetches afresh
    } finally {
      refreshing = false;
    }
  }
  client.setNotificationHandler('notifications/tools/list_changed', async () => void refresh(['tools']));
  client.setNotificationHandler('notifications/prompts/list_changed', async () => void refresh(['prompts']));
  client.setNotificationHandler(
    'notifications/resources/list_changed',
    async () => void refresh(['resources']),
  );

  /**
   * Opens the 2026-era change stream. A first refusal only costs live refreshes; a stream that
   * dropped and cannot be re-opened means the server is gone, so the connection is ended and the
   * supervisor reconnects (over HTTP nothing else would notice until the next call).
   */
  async function listen(again: boolean): Promise<void> {
    const caps = client.getServerCapabilities();
    const filter: SubscriptionFilter = {
      ...(caps?.tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(caps?.prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(caps?.resources?.listChanged ? { resourcesListChanged: true } : {}),
    };
    if (Object.keys(filter).length === 0 || !open) return;
    try {
      subscription = await client.listen(filter, { timeout: options.timeoutMs });
    } catch (error) {
      const message = (error as Error).message;
      if (again) end(`subscription stream lost: ${message}`);
      else
        logger.warn({ err: message }, 'downstream subscription refused; listings refresh only on reconnect');
      return;
    }
    if (again) void refresh(['tools', 'resources', 'prompts']); // catch up on what the gap missed
    void subscription.closed.then((reason) => {
      if (reason !== 'remote' || !open) return;
      relistenTimer = setTimeout(() => {
        relistenTimer = undefined;
        void listen(true);
      }, options.relistenMs);
      relistenTimer.unref?.();
    });
  }

  async function close(): Promise<void> {
    open = false;
    if (relistenTimer) clearTimeout(relistenTimer);
    resolveEnded('closed by the hub');
    await subscription?.close().catch(() => {});
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      // Ends the server-side session; bounded, since a server that went away may never answer.
      await withDeadline(transport.terminateSession(), 2000);
    }
    await client.close().catch(() => {});
    // Client.close() does not wait for a stdio process group to be gone: this does.
    await transport.close().catch(() => {});
  }

  // The SDK may not abandon an era probe on abort: closing the transport ends it for sure.
  const onAbort = () => void transport.close().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(transport, {
      timeout: options.timeoutMs,
      signal,
      ...(options.legacy ? { prior: { kind: 'legacy' as const } } : {}),
    });
    listings = await fetchAll(['tools', 'resources', 'prompts']);
    if (client.getProtocolEra() === 'modern') await listen(false);
    if (!open) throw new Error((await ended) || 'connection closed');
  } catch (error) {
    // A server that died during the handshake: its exit status and stderr say more than the SDK's error.
    const exitReason = open ? undefined : await ended;
    await close();
    if (exitReason && transport instanceof StdioTransport && !(error instanceof FleetError)) {
      throw new FleetError('UNAVAILABLE', exitReason, {}, { cause: error });
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  return {
    client,
    transport,
    pid: transport instanceof StdioTransport ? transport.pid : null,
    legacy: client.getProtocolEra() === 'legacy',
    listings: () => listings,
    ended,
    close,
  };
}

/** Waits for `promise` at most `ms`; failures and lateness are both ignored (best-effort cleanup). */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => {}), late]);
  clearTimeout(timer);
}

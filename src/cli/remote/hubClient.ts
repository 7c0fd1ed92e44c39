import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import { unreachableCode } from '../../hub/unreachable.js';
import { packageVersion } from '../../version.js';

/** A progress notification as the hub sends it: a counter and a message (`3/12 devices done`, an output line). */
export interface HubProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface HubCallOptions {
  onProgress?: (progress: HubProgress) => void;
  signal?: AbortSignal;
  /** Longest wait without a word from the hub; progress restarts it. */
  timeoutMs?: number;
}

export interface HubCallResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: unknown;
  isError?: boolean;
}

/** One MCP connection to the hub, for one run of a command. */
export interface HubConnection {
  callTool(name: string, args: Record<string, unknown>, options?: HubCallOptions): Promise<HubCallResult>;
  listTools(): Promise<Array<{ name: string; description?: string }>>;
  close(): Promise<void>;
}

/** Where the hub is and what to present: `tokenFrom` names the token's source for messages, never its value. */
export interface HubTarget {
  url: string;
  token: string | undefined;
  tokenFrom: string;
}

export type HubConnector = (target: HubTarget) => Promise<HubConnection>;

/** Waits this long for a word from the hub when the call does not say (a fan-out streams progress). */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The error and its causes. The SDK keeps a cause in `cause` or in `data.cause` (a failed
 * version probe wraps fetch's error there), and fetch keeps the socket's error in `cause`.
 * Bounded: cause chains can be cyclic.
 */
function causes(error: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    chain.push(current);
    const e = current as { cause?: unknown; data?: { cause?: unknown } };
    current = e.cause ?? e.data?.cause;
  }
  return chain;
}

function httpStatus(error: unknown): number | undefined {
  for (const e of causes(error)) {
    const status = (e as { data?: { status?: unknown } }).data?.status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** The string codes on an error and its causes (ECONNREFUSED, CLIENT_HTTP_AUTHENTICATION, …). */
function codes(error: unknown): string[] {
  return causes(error)
    .map((e) => (e as { code?: unknown }).code)
    .filter((c): c is string => typeof c === 'string');
}

/**
 * What went wrong talking to the hub, as a FleetError with a fix in its message. Nothing there
 * (UNAVAILABLE, marked `operator`), a refused token (UNAUTHORIZED) and a wrong URL (USAGE) are
 * the operator's to fix: one line, exit 2. A hub that failed or timed out is UPSTREAM_ERROR /
 * TIMEOUT (exit 1).
 */
export function classifyHubError(error: unknown, target: HubTarget): FleetError {
  if (error instanceof FleetError) return error;
  const url = target.url;
  const message = error instanceof Error ? error.message : String(error);
  const network = causes(error)
    .map((e) => unreachableCode(e))
    .find((c) => c !== undefined);
  if (network) {
    return new FleetError(
      'UNAVAILABLE',
      `cannot reach the hub at ${url} (${network}): is it running? (mcp-fleet hub; or set hub.url, MCP_FLEET_HUB_URL or --hub)`,
      { url, unreachable: true, operator: true },
    );
  }
  const found = codes(error);
  const status = httpStatus(error);
  if (
    status === 401 ||
    status === 403 ||
    found.some((c) => /^CLIENT_HTTP_(AUTHENTICATION|FORBIDDEN)$/.test(c))
  ) {
    return new FleetError(
      'UNAUTHORIZED',
      target.token === undefined
        ? `the hub at ${url} wants a token (HTTP ${status ?? 401}): set MCP_FLEET_TOKEN or hub.token_file (mcp-fleet init writes one)`
        : `the hub at ${url} refused the token from ${target.tokenFrom} (HTTP ${status ?? 401})`,
      { url },
    );
  }
  if (causes(error).some((e) => (e as { message?: unknown }).message === 'bad port')) {
    return new FleetError(
      'USAGE',
      `cannot use ${url}: fetch refuses that port (a "bad port"); pick another`,
      { url },
    );
  }
  if (status === 404 || status === 405 || found.includes('ERA_NEGOTIATION_FAILED')) {
    const why = status ? `HTTP ${status}` : 'no answer to server/discover';
    return new FleetError(
      'USAGE',
      `no mcp-fleet hub at ${url} (${why}); check hub.url: the hub serves /mcp`,
      { url },
    );
  }
  if (found.includes('REQUEST_TIMEOUT')) {
    return new FleetError('TIMEOUT', `the hub at ${url} did not answer in time`, { url });
  }
  const code = (error as { code?: unknown }).code;
  if (code === -32602 && /unknown tool/i.test(message)) {
    return new FleetError('USAGE', `${message} (mcp-fleet call --list shows the hub's tools)`, { url });
  }
  return new FleetError('UPSTREAM_ERROR', `the hub at ${url}: ${message}`, { url });
}

/**
 * Connects to the hub over Streamable HTTP with the bearer token, in the 2026-07-28 era: each
 * request stands alone, so a command that is killed leaves no session behind on the hub.
 */
export const connectHub: HubConnector = async (target) => {
  const client = new Client(
    { name: 'mcp-fleet-cli', version: packageVersion() },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new FleetError('CONFIG_INVALID', `hub url is not a URL: ${target.url}`);
  }
  try {
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  } catch (error) {
    await client.close().catch(() => {});
    throw classifyHubError(error, target);
  }
  return {
    async callTool(name, args, options = {}) {
      try {
        const result = await client.callTool(
          { name, arguments: args },
          {
            ...(options.signal ? { signal: options.signal } : {}),
            timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            resetTimeoutOnProgress: true,
            ...(options.onProgress ? { onprogress: options.onProgress } : {}),
          },
        );
        return result as HubCallResult;
      } catch (error) {
        if (options.signal?.aborted) throw new FleetError('CANCELLED', 'cancelled');
        throw classifyHubError(error, target);
      }
    },
    async listTools() {
      try {
        const { tools } = await client.listTools();
        return tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) }));
      } catch (error) {
        throw classifyHubError(error, target);
      }
    },
    async close() {
      await client.close().catch(() => {});
    },
  };
};

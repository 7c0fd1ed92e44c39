import { FleetError } from '../errors/index.js';
import type { ClientLocation } from './catalog.js';
import { CLIENT_LABELS } from './catalog.js';

/**
 * The hub's own entry in a client's server list, rendered in each client's dialect. The
 * entry is a pure function of the spec and the launcher, so "what `install` would write now"
 * can be recomputed at any time and compared with the file (drift).
 */

export type HubTransport = 'stdio' | 'http';

export interface HubEntrySpec {
  transport: HubTransport;
  /** stdio: an absolute fleet.yaml the started hub reads (absent: `up`'s default). */
  config?: string;
  /** http: the hub's MCP endpoint. */
  url?: string;
  /** http: the environment variable holding the bearer token, written by reference. */
  tokenEnv?: string;
  /** http: the token itself, written literally (only with --token-literal). */
  token?: string;
  /**
   * stdio, an entry found without an install record: its own words after `up` (`--stdio`,
   * `--config=/x`, other flags), written back as they are so a repair only re-points the launcher.
   */
  upArgs?: readonly string[];
}

/** How a client starts mcp-fleet: `command` plus leading `args` (node and the script). */
export interface Launcher {
  command: string;
  args: readonly string[];
}

export const DEFAULT_HUB_URL = 'http://127.0.0.1:7420/mcp';
export const DEFAULT_TOKEN_ENV = 'MCP_FLEET_TOKEN';

/**
 * Keys of an entry that `install` owns: they decide where the client connects. Any other key
 * (an `env` the operator added, `disabled`, `timeout`, `alwaysAllow`…) is the operator's or
 * the client's and survives a repair. Of `headers` and `http_headers` only the Authorization
 * header is owned; other headers in them survive too.
 */
export const MANAGED_KEYS: readonly string[] = [
  'type',
  'command',
  'args',
  'url',
  'serverUrl',
  'httpUrl',
  'headers',
  'bearer_token_env_var',
  'http_headers',
];

/** How this location references an environment variable in a string, or null if it expands none. */
export function envReference(location: ClientLocation): ((name: string) => string) | null {
  switch (location.client) {
    case 'cursor':
    case 'vscode':
    case 'windsurf':
      return (name) => `\${env:${name}}`;
    case 'gemini':
      return (name) => `\${${name}}`;
    case 'claude-code':
      return location.scope === 'project' ? (name) => `\${${name}}` : null;
    default:
      return null; // Claude Desktop: stdio only; Codex: bearer_token_env_var instead
  }
}

function httpAuth(location: ClientLocation, spec: HubEntrySpec): string | undefined {
  if (spec.token !== undefined) return `Bearer ${spec.token}`;
  if (!spec.tokenEnv) return undefined;
  const ref = envReference(location);
  if (!ref) {
    throw new FleetError(
      'USAGE',
      `${CLIENT_LABELS[location.client]} does not expand environment variables in ${location.file}, so the token cannot be written by reference there; use --scope project (.mcp.json expands \${VAR}), --transport stdio, or --token-literal to write the token itself into the file`,
      { client: location.client, scope: location.scope },
    );
  }
  return `Bearer ${ref(spec.tokenEnv)}`;
}

/** The entry `install` writes for `spec` at `location`. USAGE when the client cannot take it. */
export function renderHubEntry(
  location: ClientLocation,
  spec: HubEntrySpec,
  launcher: Launcher,
): Record<string, unknown> {
  const client = location.client;
  if (spec.transport === 'stdio') {
    const tail = spec.upArgs ?? ['--stdio', ...(spec.config ? ['--config', spec.config] : [])];
    const args = [...launcher.args, 'up', ...tail];
    const typed = client === 'claude-code' || client === 'vscode';
    return { ...(typed ? { type: 'stdio' } : {}), command: launcher.command, args };
  }
  const url = spec.url ?? DEFAULT_HUB_URL;
  if (client === 'claude-desktop') {
    throw new FleetError(
      'USAGE',
      'Claude Desktop reads only stdio servers from claude_desktop_config.json; use --transport stdio (the default)',
      { client },
    );
  }
  if (client === 'codex') {
    if (spec.token !== undefined) return { url, http_headers: { Authorization: `Bearer ${spec.token}` } };
    return spec.tokenEnv ? { url, bearer_token_env_var: spec.tokenEnv } : { url };
  }
  const auth = httpAuth(location, spec);
  const headers = auth ? { headers: { Authorization: auth } } : {};
  if (client === 'windsurf') return { serverUrl: url, ...headers };
  if (client === 'gemini') return { httpUrl: url, ...headers };
  if (client === 'cursor') return { url, ...headers };
  return { type: 'http', url, ...headers }; // claude-code, vscode
}

/** JSON.stringify replacer that sorts object keys, so equality ignores key order. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Structural equality of JSON-like values (key order and absent-vs-undefined ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null, sortedKeys) === JSON.stringify(b ?? null, sortedKeys);
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Keys holding a header map; of those, only the Authorization header is install's. */
const HEADER_KEYS: readonly string[] = ['headers', 'http_headers'];
const isAuthorization = (header: string) => header.toLowerCase() === 'authorization';

/** The Authorization values of a header map (any case; more than one is itself a defect). */
function authorizations(map: unknown): unknown[] {
  return Object.entries(asRecord(map))
    .filter(([header]) => isAuthorization(header))
    .map(([, value]) => value);
}

/** The managed keys where `installed` differs from `desired` (empty: no drift). */
export function entryDrift(installed: unknown, desired: Record<string, unknown>): string[] {
  const current = asRecord(installed);
  return MANAGED_KEYS.filter((key) =>
    HEADER_KEYS.includes(key)
      ? !sameJson(authorizations(current[key]), authorizations(desired[key]))
      : !sameJson(current[key], desired[key]),
  );
}

/**
 * `installed`'s header map with its Authorization header replaced by `desired`'s (or dropped
 * when `desired` has none), every other header kept in place: a client or the operator may add
 * headers of their own (a tenant id, a trace flag) that a repair must not take away.
 */
function mergeHeaders(installed: unknown, desired: unknown): Record<string, unknown> | undefined {
  const own = Object.entries(asRecord(desired)).find(([header]) => isAuthorization(header));
  const merged: Record<string, unknown> = {};
  let placed = false;
  for (const [header, value] of Object.entries(asRecord(installed))) {
    if (!isAuthorization(header)) merged[header] = value;
    else if (own && !placed) {
      merged[own[0]] = own[1];
      placed = true;
    }
  }
  if (own && !placed) merged[own[0]] = own[1];
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** `desired`, keeping the keys of `installed` that install does not own (and its other headers). */
export function mergeEntry(installed: unknown, desired: Record<string, unknown>): Record<string, unknown> {
  const current = asRecord(installed);
  const merged: Record<string, unknown> = { ...desired };
  for (const key of HEADER_KEYS) {
    const headers = mergeHeaders(current[key], desired[key]);
    if (headers) merged[key] = headers;
    else delete merged[key];
  }
  const kept = Object.entries(current).filter(([key]) => !MANAGED_KEYS.includes(key));
  return { ...merged, ...Object.fromEntries(kept) };
}

/** `Bearer ${env:X}`, `Bearer ${X}` or `Bearer $X` → X. */
export function bearerEnvName(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match =
    /^Bearer\s+(?:\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*))$/.exec(
      header.trim(),
    );
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/** A literal `Bearer <token>` (not a variable reference) → the token. */
export function bearerLiteral(header: unknown): string | undefined {
  if (typeof header !== 'string' || bearerEnvName(header) !== undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/.exec(header.trim());
  return match?.[1];
}

/** The URL of a remote entry in any dialect. */
export function entryUrl(entry: unknown): string | undefined {
  const e = asRecord(entry);
  const url = e.url ?? e.serverUrl ?? e.httpUrl;
  return typeof url === 'string' ? url : undefined;
}

/** The Authorization header value of a remote entry in any dialect (header name in any case). */
export function entryAuthorization(entry: unknown): unknown {
  const e = asRecord(entry);
  return authorizations(e.headers)[0] ?? authorizations(e.http_headers)[0];
}

const MCP_FLEET_SCRIPT = /(^|[/\\])mcp-fleet(\.js)?$/;
const NODE_BINARY = /(^|[/\\])(node|nodejs)(\.exe)?$/i;

/**
 * The words after `up` of an entry that is recognisably a local mcp-fleet started over stdio
 * (`<node> <…/mcp-fleet.js> up --stdio …` or `<…/mcp-fleet> up --stdio …`), else undefined.
 * Only such an entry may be repaired without an install record: a `fleet` entry that runs
 * anything else (`npx -y mcp-remote https://…`, `ssh host mcp-fleet up --stdio`, a remote URL)
 * is the operator's own way of reaching a hub, and rewriting it would break it.
 */
export function localHubUpArgs(installed: unknown): string[] | undefined {
  const e = asRecord(installed);
  const args = Array.isArray(e.args) ? e.args : [];
  if (typeof e.command !== 'string' || !args.every((a): a is string => typeof a === 'string'))
    return undefined;
  let rest: string[];
  if (MCP_FLEET_SCRIPT.test(e.command)) rest = args;
  else if (NODE_BINARY.test(e.command) && MCP_FLEET_SCRIPT.test(args[0] ?? '')) rest = args.slice(1);
  else return undefined;
  if (rest[0] !== 'up' || !rest.includes('--stdio')) return undefined;
  return rest.slice(1);
}

/**
 * The spec an installed hub entry was written from, for an entry without an install record
 * (written by hand or by an older version): its URL and token reference are kept as they
 * are, so a repair only re-points the launcher, never a deliberate remote URL.
 */
export function inferHubSpec(installed: unknown): HubEntrySpec {
  const e = asRecord(installed);
  if (typeof e.command === 'string') {
    const args = Array.isArray(e.args) ? e.args : [];
    const at = args.indexOf('--config');
    const joined = args.find((a) => typeof a === 'string' && a.startsWith('--config='));
    const config =
      at >= 0 && typeof args[at + 1] === 'string'
        ? (args[at + 1] as string)
        : typeof joined === 'string'
          ? joined.slice('--config='.length)
          : undefined;
    return { transport: 'stdio', ...(config ? { config } : {}) };
  }
  const url = entryUrl(e);
  const auth = entryAuthorization(e);
  const tokenEnv =
    typeof e.bearer_token_env_var === 'string' ? e.bearer_token_env_var : (bearerEnvName(auth) ?? undefined);
  const token = bearerLiteral(auth);
  return {
    transport: 'http',
    ...(url ? { url } : {}),
    ...(tokenEnv ? { tokenEnv } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

/**
 * The entry with each literal Authorization value (not a variable reference) replaced by
 * `<redacted>`: results are printed (`--json` too), and a token on a terminal or in a CI log
 * is a leaked token.
 */
export function redactEntry(entry: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = { ...entry };
  for (const key of HEADER_KEYS) {
    if (!entry[key] || typeof entry[key] !== 'object' || Array.isArray(entry[key])) continue;
    redacted[key] = Object.fromEntries(
      Object.entries(entry[key] as Record<string, unknown>).map(([header, value]) => [
        header,
        isAuthorization(header) && typeof value === 'string' && bearerEnvName(value) === undefined
          ? /^Bearer\s/i.test(value)
            ? 'Bearer <redacted>'
            : '<redacted>'
          : value,
      ]),
    );
  }
  return redacted;
}

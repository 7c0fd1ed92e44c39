import { ServerSchema } from '../hub/inventory/schema.js';
import type { ClientId } from './catalog.js';
import { bearerEnvName, bearerLiteral, entryAuthorization, entryUrl } from './hubEntry.js';
import { isVariableReference, looksSecret, secretArguments, urlCarriesSecret } from './secrets.js';

/**
 * Which of a client's server entries can move to fleet.yaml, and as what: stdio entries as
 * command/args/env/cwd, remote ones as url (with the bearer token's variable as `token_env`).
 *
 * Secrets are never copied silently: fleet.yaml is meant to be shareable and the hub has no
 * variable expansion for a stdio server's env. A server with a secret-looking env value or
 * argument, a URL carrying a credential, a `${VAR}` the hub would not expand, a literal bearer
 * token or other headers is left in the client and reported; `includeSecrets` copies
 * secret-looking values literally. So is an entry with a key the conversion does not
 * understand (it might change how the server runs).
 */

/** A fleet.yaml `servers.<name>` entry (only the keys that differ from the defaults). */
export type FleetServerEntry = Record<string, unknown>;

export interface PlannedServer {
  /** The name in the client's file. */
  from: string;
  /** The name in fleet.yaml (letters, digits and `-`: it prefixes tool names). */
  name: string;
  server: FleetServerEntry;
}

export interface LeftServer {
  from: string;
  reason: string;
}

export interface ImportPlan {
  move: PlannedServer[];
  leave: LeftServer[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** A client's name as a fleet.yaml server name: `my_server.v2` → `my-server-v2`. */
export function fleetServerName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
}

/** True for an entry that starts or reaches mcp-fleet itself (never moved behind the hub). */
function isHubItself(entry: Record<string, unknown>, hubUrls: readonly string[]): boolean {
  const argv = [entry.command, ...(Array.isArray(entry.args) ? entry.args : [])].map(String);
  if (argv.some((a) => /(^|[/\\])mcp-fleet(\.js)?$/.test(a)) && (argv.includes('up') || argv.includes('hub')))
    return true;
  const url = entryUrl(entry);
  return url !== undefined && hubUrls.includes(url);
}

type Converted = { server: FleetServerEntry } | { reason: string };

/**
 * The keys of a server entry the conversion reads, per client (as each documents its entries).
 * Any other key may change how the server runs (VS Code's `envFile`, Codex's `env_vars`,
 * `env_http_headers` or `bearer_token`, Gemini's `includeTools`, an OAuth block…); dropping it
 * would move a different server than the client runs, so such an entry stays in the client.
 */
const UNDERSTOOD_KEYS: Readonly<Record<ClientId, readonly string[]>> = {
  'claude-desktop': ['command', 'args', 'env'],
  'claude-code': ['type', 'command', 'args', 'env', 'url', 'headers'],
  cursor: ['type', 'command', 'args', 'env', 'url', 'headers'],
  vscode: ['type', 'command', 'args', 'env', 'cwd', 'url', 'headers'],
  windsurf: ['command', 'args', 'env', 'serverUrl', 'url', 'headers'],
  codex: ['command', 'args', 'env', 'cwd', 'url', 'bearer_token_env_var', 'http_headers'],
  gemini: ['command', 'args', 'env', 'cwd', 'url', 'httpUrl', 'headers'],
};

/** Keys that change nothing about what the server is or can reach (on/off, UI, timeouts, prompts). */
const IGNORABLE_KEYS: readonly string[] = [
  'disabled',
  'enabled',
  'description',
  'timeout',
  'startup_timeout_sec',
  'startup_timeout_ms',
  'tool_timeout_sec',
  'alwaysAllow',
  'autoApprove',
  'trust',
];

const KNOWN_TYPES: readonly unknown[] = ['stdio', 'http', 'sse', 'streamable-http'];

/** Why an entry cannot move without losing part of how it runs, or undefined when it can. */
function unknownKeys(client: ClientId, entry: Record<string, unknown>): string | undefined {
  const understood = UNDERSTOOD_KEYS[client];
  const others = Object.keys(entry).filter((k) => !understood.includes(k) && !IGNORABLE_KEYS.includes(k));
  if (others.length > 0) {
    return `it uses ${others.join(', ')}, which fleet.yaml has no place for (moving it would drop ${others.length === 1 ? 'that' : 'them'})`;
  }
  if (entry.type !== undefined && !KNOWN_TYPES.includes(entry.type)) {
    return `its type ${JSON.stringify(entry.type)} is not one mcp-fleet can run`;
  }
  return undefined;
}

function convertStdio(entry: Record<string, unknown>, includeSecrets: boolean): Converted {
  const args = Array.isArray(entry.args) ? entry.args : [];
  if (!args.every((a) => typeof a === 'string')) return { reason: 'args are not all strings' };
  const texts = [
    entry.command as string,
    ...(args as string[]),
    ...(typeof entry.cwd === 'string' ? [entry.cwd] : []),
  ];
  if (texts.some(isVariableReference))
    return { reason: 'uses variables the client expands (like $HOME or $WORKSPACE), which the hub does not' };
  const secretArgs = secretArguments(args as string[]);
  if (secretArgs.length > 0 && !includeSecrets) {
    return {
      reason: `args ${secretArgs.join(', ')} look${secretArgs.length === 1 ? 's' : ''} secret and would be written into fleet.yaml (use --include-secrets to copy them)`,
    };
  }
  const env: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(isRecord(entry.env) ? entry.env : {})) {
    if (typeof value !== 'string') return { reason: `env ${key} is not a string` };
    if (isVariableReference(value))
      return { reason: `env ${key} refers to a variable (${value}); the hub does not expand it` };
    if (looksSecret(key, value) && !includeSecrets) withheld.push(key);
    else env[key] = value;
  }
  if (withheld.length > 0) {
    return {
      reason: `env ${withheld.join(', ')} look${withheld.length === 1 ? 's' : ''} secret and would be written into fleet.yaml (use --include-secrets to copy them)`,
    };
  }
  return {
    server: {
      command: entry.command,
      ...(args.length ? { args } : {}),
      ...(Object.keys(env).length ? { env } : {}),
      ...(typeof entry.cwd === 'string' ? { cwd: entry.cwd } : {}),
    },
  };
}

function convertRemote(client: ClientId, entry: Record<string, unknown>, includeSecrets: boolean): Converted {
  const url = entryUrl(entry) as string;
  if (isVariableReference(url)) return { reason: `its url uses a variable (${url})` };
  if (urlCarriesSecret(url) && !includeSecrets) {
    return {
      reason:
        'its url carries a credential (user:password@ or a secret-looking query parameter) and would be written into fleet.yaml (use --include-secrets to copy it)',
    };
  }
  // Gemini's `url` and an explicit `type: sse` mean the older HTTP+SSE transport.
  const sse =
    entry.type === 'sse' ||
    entry.transport === 'sse' ||
    (client === 'gemini' && typeof entry.url === 'string');
  const headers = {
    ...(isRecord(entry.headers) ? entry.headers : {}),
    ...(isRecord(entry.http_headers) ? entry.http_headers : {}),
  };
  const others = Object.keys(headers).filter((h) => h.toLowerCase() !== 'authorization');
  if (others.length)
    return { reason: `headers ${others.join(', ')} have no place in fleet.yaml (only a bearer token)` };
  const auth = entryAuthorization(entry);
  const tokenEnv =
    typeof entry.bearer_token_env_var === 'string' ? entry.bearer_token_env_var : bearerEnvName(auth);
  if (auth !== undefined && tokenEnv === undefined) {
    const hint = bearerLiteral(auth) !== undefined ? '; put it in a variable and use token_env' : '';
    return { reason: `it sends a literal Authorization header${hint}` };
  }
  return {
    server: { url, ...(sse ? { transport: 'sse' } : {}), ...(tokenEnv ? { token_env: tokenEnv } : {}) },
  };
}

/** Which of a client's entries can move to fleet.yaml, and why the others stay. */
export function planImport(
  client: ClientId,
  entries: Record<string, unknown>,
  options: { hubName: string; hubUrls: readonly string[]; includeSecrets: boolean },
): ImportPlan {
  const plan: ImportPlan = { move: [], leave: [] };
  const taken = new Set<string>();
  for (const [from, raw] of Object.entries(entries)) {
    if (from === options.hubName) continue;
    if (!isRecord(raw)) {
      plan.leave.push({ from, reason: 'not an object' });
      continue;
    }
    if (isHubItself(raw, options.hubUrls)) {
      plan.leave.push({ from, reason: 'it is mcp-fleet itself' });
      continue;
    }
    const unknown = unknownKeys(client, raw);
    const converted: Converted = unknown
      ? { reason: unknown }
      : typeof raw.command === 'string'
        ? convertStdio(raw, options.includeSecrets)
        : entryUrl(raw) !== undefined
          ? convertRemote(client, raw, options.includeSecrets)
          : { reason: 'neither a command nor a url' };
    if ('reason' in converted) {
      plan.leave.push({ from, reason: converted.reason });
      continue;
    }
    const disabled = raw.disabled === true || raw.enabled === false;
    const server = { ...converted.server, ...(disabled ? { enabled: false } : {}) };
    const name = fleetServerName(from);
    const checked = ServerSchema.safeParse(server);
    if (!name || taken.has(name)) {
      plan.leave.push({ from, reason: name ? `another server also becomes "${name}"` : 'no usable name' });
    } else if (!checked.success) {
      plan.leave.push({ from, reason: checked.error.issues.map((i) => i.message).join('; ') });
    } else {
      taken.add(name);
      plan.move.push({ from, name, server });
    }
  }
  return plan;
}

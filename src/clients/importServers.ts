import { ServerSchema } from '../hub/inventory/schema.js';
import type { ClientId, Scope } from './catalog.js';
import { clientCatalog, locationOf } from './catalog.js';
import { configDoc } from './configDoc.js';
import { backupOnce, writeConfigFile } from './configFile.js';
import type { ClientsContext } from './context.js';
import { editConfigFile } from './context.js';
import {
  bearerEnvName,
  bearerLiteral,
  DEFAULT_HUB_URL,
  entryAuthorization,
  entryUrl,
  type HubEntrySpec,
  renderHubEntry,
} from './hubEntry.js';
import { type InstallResult, installHubEntry } from './install.js';
import { isVariableReference, looksSecret } from './secrets.js';

/**
 * `servers import <client>`: moves the MCP servers a client runs itself behind the hub. Each
 * becomes a `servers:` entry of fleet.yaml (stdio: command/args/env/cwd; remote: url, with the
 * bearer token's variable as `token_env`), is removed from the client, and the hub entry is
 * installed in its place.
 *
 * Secrets are never copied silently: fleet.yaml is meant to be shareable and the hub has no
 * variable expansion for a stdio server's env. A server with a secret-looking env value, a
 * `${VAR}` the hub would not expand, a literal bearer token or other headers is left in the
 * client, untouched, and reported; `includeSecrets` copies secret-looking env values literally.
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

function convertRemote(client: ClientId, entry: Record<string, unknown>): Converted {
  const url = entryUrl(entry) as string;
  if (isVariableReference(url)) return { reason: `its url uses a variable (${url})` };
  // Gemini's `url` and an explicit `type: sse` mean the older HTTP+SSE transport.
  const sse =
    entry.type === 'sse' ||
    entry.transport === 'sse' ||
    (client === 'gemini' && typeof entry.url === 'string');
  const headers = {
    ...(isRecord(entry.headers) ? entry.headers : {}),
    ...(isRecord(entry.http_headers) ? entry.http_headers : {}),
  };
  const others = Object.keys(headers).filter((h) => h !== 'Authorization');
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
    const converted =
      typeof raw.command === 'string'
        ? convertStdio(raw, options.includeSecrets)
        : entryUrl(raw) !== undefined
          ? convertRemote(client, raw)
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

/** Adds servers to fleet.yaml; returns the names now there with that content and the refused ones. */
export type AddFleetServers = (
  servers: readonly PlannedServer[],
) => Promise<{ added: string[]; present: string[]; refused: LeftServer[]; file: string }>;

export interface ImportRequest {
  client: ClientId;
  scope?: Scope;
  hubName: string;
  spec: HubEntrySpec;
  includeSecrets: boolean;
  addServers: AddFleetServers;
}

export interface ImportReport {
  file: string;
  fleetFile: string;
  moved: PlannedServer[];
  left: LeftServer[];
  install: InstallResult;
}

export async function importServers(ctx: ClientsContext, request: ImportRequest): Promise<ImportReport> {
  const location = locationOf(clientCatalog(ctx.host), request.client, request.scope ?? 'user');
  const doc = configDoc(location);
  renderHubEntry(location, request.spec, ctx.launcher); // USAGE (e.g. http for Claude Desktop) before anything is touched
  const hubUrls = [request.spec.url ?? DEFAULT_HUB_URL];
  // Read (and refuse an unparseable file) before fleet.yaml is touched.
  const first = await editConfigFile(ctx, location, async (state) => doc.entries(state.text) ?? {});
  const plan = planImport(request.client, first, {
    hubName: request.hubName,
    hubUrls,
    includeSecrets: request.includeSecrets,
  });
  const fleet = await request.addServers(plan.move);
  const inFleet = new Set([...fleet.added, ...fleet.present]);
  const moved = plan.move.filter((s) => inFleet.has(s.name));
  await editConfigFile(ctx, location, async (state) => {
    let text = state.text;
    for (const server of moved) {
      if (doc.entries(text)?.[server.from] !== undefined)
        text = doc.remove(text, server.from, undefined, false).text;
    }
    if (text === state.text) return;
    await backupOnce(state);
    await writeConfigFile(state, text);
  });
  const install = await installHubEntry(ctx, {
    client: request.client,
    scope: location.scope,
    name: request.hubName,
    spec: request.spec,
  });
  return {
    file: location.file,
    fleetFile: fleet.file,
    moved,
    left: [...plan.leave, ...fleet.refused],
    install,
  };
}

import { join, resolve } from 'node:path';
// Direct imports, not the agent index: that one loads the agent's server and the MCP SDK, which
// `init` and `token` (readers of these settings) do not need.
import { hashToken, type TokenEntry } from '../agent/auth.js';
import { parseListen } from '../agent/settings.js';
import { FleetError } from '../errors/index.js';
import { hubStateDir } from './enroll/index.js';
import type { Principal } from './fleetCall.js';
import type { FleetConfig } from './inventory/index.js';

/** What the command line said; flags beat environment beat fleet.yaml. */
export interface HubFlags {
  config?: string;
  listen?: string;
  stdio?: boolean;
  stateDir?: string;
  auditLog?: string;
  logLevel?: string;
  insecure?: boolean;
}

export const DEFAULT_HUB_LISTEN = '127.0.0.1:7420';

export interface HubSettings {
  configPath: string | null;
  listen: { host: string; port: number };
  stateDir: string;
  auditPath: string | null;
  logLevel: string;
  insecure: boolean;
}

/** fleet.yaml's path: the flag, else MCP_FLEET_HUB_CONFIG; `null` for none. */
export function hubConfigPath(flags: Pick<HubFlags, 'config'>, env: NodeJS.ProcessEnv): string | null {
  const path = flags.config ?? env.MCP_FLEET_HUB_CONFIG;
  return path ? resolve(path) : null;
}

export function resolveHubSettings(
  flags: HubFlags,
  config: FleetConfig,
  env: NodeJS.ProcessEnv,
): HubSettings {
  const listenText = flags.listen ?? env.MCP_FLEET_HUB_LISTEN ?? config.listen ?? DEFAULT_HUB_LISTEN;
  let listen: { host: string; port: number };
  try {
    listen = parseListen(listenText);
  } catch {
    throw new FleetError('USAGE', `invalid listen address: ${listenText}`);
  }
  const stateDir = flags.stateDir ?? config.state_dir ?? hubStateDir(env);
  const auditPath = config.audit.enabled
    ? resolve(flags.auditLog ?? env.MCP_FLEET_AUDIT_LOG ?? config.audit.path ?? join(stateDir, 'audit.jsonl'))
    : null;
  return {
    configPath: hubConfigPath(flags, env),
    listen,
    stateDir,
    auditPath,
    logLevel: flags.logLevel ?? env.MCP_FLEET_LOG_LEVEL ?? config.log.level,
    insecure: flags.insecure === true,
  };
}

/**
 * The principals a config defines, plus the built-in admins: `stdio` (unless `stdio_principal`
 * names another), `token` when `MCP_FLEET_TOKEN` is set (the same way the agent takes its
 * token), `anonymous` for `--insecure` without tokens, and those in `extra` (`owner` for `up`,
 * `generated` for a token made at start). fleet.yaml cannot use the built-in names.
 */
export function principalsOf(
  config: FleetConfig,
  env: NodeJS.ProcessEnv,
  extra: ReadonlyArray<{ name: string; sha256: string }> = [],
  insecure = false,
): { principals: Map<string, Principal>; tokens: TokenEntry[] } {
  const principals = new Map<string, Principal>();
  const tokens: TokenEntry[] = [];
  for (const [name, p] of Object.entries(config.principals)) {
    const targets = Array.isArray(p.targets) ? p.targets.join(',') : p.targets;
    principals.set(name, {
      name,
      role: p.role,
      targets,
      ratePerMinute: p.rate_per_minute,
      servers: p.servers ?? (p.role === 'admin' || targets.trim() === 'all' ? 'all' : []),
    });
    if (p.token_sha256) tokens.push({ name, sha256: p.token_sha256 });
  }
  const admin = (name: string): Principal => ({
    name,
    role: 'admin',
    targets: 'all',
    ratePerMinute: 6000,
    servers: 'all',
  });
  if (!principals.has('stdio') && !config.stdio_principal) principals.set('stdio', admin('stdio'));
  const envToken = env.MCP_FLEET_TOKEN?.trim();
  if (envToken && !principals.has('token')) {
    principals.set('token', admin('token'));
    tokens.push({ name: 'token', sha256: hashToken(envToken) });
  }
  for (const e of extra) {
    principals.set(e.name, admin(e.name));
    tokens.push(e);
  }
  if (insecure && tokens.length === 0) principals.set('anonymous', admin('anonymous'));
  return { principals, tokens };
}

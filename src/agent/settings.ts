import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type AgentConfig,
  AgentConfigSchema,
  defaultStateDir,
  loadYamlConfig,
  readJsonState,
  TokenEntrySchema,
} from '../config/index.js';
import { FleetError } from '../errors/index.js';
import { hashToken, type TokenEntry } from './auth.js';

/** What the command line said; every field optional, flags beat environment beat file. */
export interface AgentFlags {
  config?: string;
  listen?: string;
  tokenFile?: string;
  insecure?: boolean;
  idleExit?: number;
  auditLog?: string;
  logLevel?: string;
  /** Where tokens.json (hub credentials from `agent join`) and the default audit log live. */
  stateDir?: string;
}

export interface AgentSettings {
  config: AgentConfig;
  configPath: string | undefined;
  listen: { host: string; port: number };
  tokens: TokenEntry[];
  insecure: boolean;
  idleExitS: number | undefined;
  auditPath: string | undefined;
  logLevel: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8222';

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new FleetError('USAGE', `invalid listen address ${value} (want HOST:PORT)`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FleetError('USAGE', `cannot read token file ${path}: ${(error as Error).message}`);
  }
  const token = text.trim();
  if (!token || /\s/.test(token))
    throw new FleetError('USAGE', `token file ${path} must hold one token on one line`);
  return token;
}

/** The agent's state directory: the flag, else MCP_FLEET_STATE_DIR and the usual fallbacks. */
export function agentStateDir(flags: Pick<AgentFlags, 'stateDir'>, env: NodeJS.ProcessEnv): string {
  return flags.stateDir ?? defaultStateDir(env);
}

/** `tokens.json` in the state directory: hashes of credentials hubs were given by `agent join`. */
export const JoinedTokensSchema = z.object({ tokens: z.array(TokenEntrySchema) }).strict();

export const joinedTokensPath = (stateDir: string): string => join(stateDir, 'tokens.json');

/**
 * Reads tokens.json; a missing file is no tokens. An invalid one is CONFIG_INVALID naming the
 * file and field: on a reload that keeps the previous settings, rather than dropping a hub.
 */
export async function readJoinedTokens(path: string): Promise<TokenEntry[]> {
  return (await readJsonState(JoinedTokensSchema, path))?.tokens ?? [];
}

/**
 * Merges defaults, agent.yaml, MCP_FLEET_* variables and flags into the settings in force.
 * Raw tokens (environment, token file) are hashed here and never kept.
 */
export async function resolveAgentSettings(
  flags: AgentFlags,
  env: NodeJS.ProcessEnv,
): Promise<AgentSettings> {
  const configPath = flags.config ?? env.MCP_FLEET_CONFIG;
  const config = configPath
    ? await loadYamlConfig(AgentConfigSchema, configPath)
    : AgentConfigSchema.parse({});
  const listen = parseListen(flags.listen ?? env.MCP_FLEET_LISTEN ?? config.listen ?? DEFAULT_LISTEN);

  const stateDir = agentStateDir(flags, env);
  // Joined tokens count as configured ones: with any present, loopback generates no token.
  const tokens: TokenEntry[] = [...config.tokens, ...(await readJoinedTokens(joinedTokensPath(stateDir)))];
  if (env.MCP_FLEET_TOKEN) tokens.push({ name: 'env', sha256: hashToken(env.MCP_FLEET_TOKEN.trim()) });
  const tokenFile = flags.tokenFile ?? env.MCP_FLEET_TOKEN_FILE;
  if (tokenFile) tokens.push({ name: 'token-file', sha256: hashToken(await readTokenFile(tokenFile)) });

  const idleRaw =
    flags.idleExit ?? (env.MCP_FLEET_IDLE_EXIT ? Number(env.MCP_FLEET_IDLE_EXIT) : config.idle_exit_s);
  if (idleRaw !== undefined && !(Number.isFinite(idleRaw) && idleRaw > 0 && idleRaw <= 604_800)) {
    throw new FleetError(
      'USAGE',
      `idle exit must be a positive number of seconds up to 604800, not ${idleRaw}`,
    );
  }
  const auditPath = config.audit.enabled
    ? (flags.auditLog ?? env.MCP_FLEET_AUDIT_LOG ?? config.audit.path ?? join(stateDir, 'audit.jsonl'))
    : undefined;
  return {
    config,
    configPath,
    listen,
    tokens,
    insecure: flags.insecure ?? env.MCP_FLEET_INSECURE === '1',
    idleExitS: idleRaw,
    auditPath,
    logLevel: flags.logLevel ?? env.MCP_FLEET_LOG_LEVEL ?? config.log.level,
  };
}

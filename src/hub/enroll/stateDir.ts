import { join } from 'node:path';
import { defaultStateDir } from '../../config/index.js';

/** The hub's pending join tokens (hashes only). */
export const JOIN_TOKENS_FILE = 'join-tokens.json';
/** The devices that enrolled themselves, with the credential the hub presents to each. */
export const ENROLLED_FILE = 'enrolled.json';

/**
 * The hub's state directory: `--state-dir`, else `MCP_FLEET_HUB_STATE_DIR`, else `hub/` under
 * the general state directory. One rule for the hub and every CLI command that edits its
 * files, so `token create --join` writes where the running hub reads.
 */
export function hubStateDir(env: NodeJS.ProcessEnv = process.env, flag?: string): string {
  if (flag) return flag;
  if (env.MCP_FLEET_HUB_STATE_DIR) return env.MCP_FLEET_HUB_STATE_DIR;
  return join(defaultStateDir(env), 'hub');
}

export const joinTokensPath = (stateDir: string): string => join(stateDir, JOIN_TOKENS_FILE);
export const enrolledPath = (stateDir: string): string => join(stateDir, ENROLLED_FILE);

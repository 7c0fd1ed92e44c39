import { FleetError } from '../../errors/index.js';
import type { TokenRef } from './resolveCliConfig.js';
import type { Sourced } from './sources.js';

/** What a token reference gave: the token, or why there is none. `from` names the place, never the value. */
export interface TokenLookup {
  token?: string;
  problem?: string;
  /** `MCP_FLEET_TOKEN`, `$MY_VAR`, `file /path` — for messages and `config show`. */
  from: string;
}

/**
 * Reads the hub token a reference points at. Problems are returned, not thrown, so `config show`
 * and `doctor` can report them; the commands that need a token call `requireHubToken`.
 */
export async function readHubToken(
  ref: TokenRef,
  deps: { env: NodeJS.ProcessEnv; readFile: (path: string) => Promise<string> },
): Promise<TokenLookup> {
  if (ref.kind === 'none') return { from: 'nowhere', problem: 'no token configured' };
  if (ref.kind === 'env') {
    const from = ref.name === 'MCP_FLEET_TOKEN' ? ref.name : `$${ref.name}`;
    const value = deps.env[ref.name]?.trim();
    return value ? { token: value, from } : { from, problem: `${ref.name} is not set` };
  }
  const from = `file ${ref.path}`;
  let text: string;
  try {
    text = await deps.readFile(ref.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { from, problem: `cannot read ${ref.path} (${code})` };
  }
  const value = text.trim();
  if (!value) return { from, problem: `${ref.path} is empty` };
  // A file with spaces or several lines is not a token; sending it would only earn a 401.
  if (/\s/.test(value)) return { from, problem: `${ref.path} must hold one token on one line` };
  return { token: value, from };
}

/**
 * The token to present to the hub, or `undefined` when none is configured at all (a hub run
 * with --insecure takes none; any other hub answers 401, which the client reports). A reference
 * that leads nowhere is the operator's to fix: USAGE, naming the reference and where it was set.
 */
export async function requireHubToken(
  token: Sourced<TokenRef>,
  where: string,
  deps: { env: NodeJS.ProcessEnv; readFile: (path: string) => Promise<string> },
): Promise<string | undefined> {
  if (token.value.kind === 'none') return undefined;
  const found = await readHubToken(token.value, deps);
  if (found.token) return found.token;
  throw new FleetError('USAGE', `no hub token: ${found.problem} (set by ${where})`);
}

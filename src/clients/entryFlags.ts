import { FleetError } from '../errors/index.js';
import type { Scope } from './catalog.js';
import { DEFAULT_HUB_URL, DEFAULT_TOKEN_ENV, type HubEntrySpec } from './hubEntry.js';

/**
 * The command-line flags of `clients install` and `servers import` turned into an entry spec,
 * checked before any file is read: a wrong flag is one USAGE line, never a half-done edit.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EntryFlags {
  transport?: string;
  url?: string;
  tokenEnv?: string;
  tokenLiteral?: boolean;
}

/** The entry name (`--name`, default `fleet`): a key in every client's file. */
export function hubEntryName(name: string | undefined): string {
  const value = name ?? 'fleet';
  if (!NAME.test(value)) throw new FleetError('USAGE', `--name ${value}: letters, digits, _ . - (1–64)`);
  return value;
}

/**
 * The spec to install. `--token-literal` reads the token from the `--token-env` variable in
 * `env`, so the secret is never on a command line (shell history, `ps`).
 */
export function specFromFlags(
  flags: EntryFlags,
  config: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): HubEntrySpec {
  const transport = flags.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    throw new FleetError('USAGE', `--transport ${transport}: stdio or http`);
  }
  if (transport === 'stdio') {
    if (flags.url || flags.tokenEnv || flags.tokenLiteral) {
      throw new FleetError('USAGE', '--url, --token-env and --token-literal go with --transport http');
    }
    return { transport, ...(config ? { config } : {}) };
  }
  if (config) {
    throw new FleetError(
      'USAGE',
      '--config goes with --transport stdio (an http entry reaches a running hub)',
    );
  }
  const url = flags.url ?? DEFAULT_HUB_URL;
  if (!/^https?:\/\/\S+$/i.test(url))
    throw new FleetError('USAGE', `--url ${url}: an http:// or https:// URL`);
  const tokenEnv = flags.tokenEnv ?? DEFAULT_TOKEN_ENV;
  if (!ENV_NAME.test(tokenEnv))
    throw new FleetError('USAGE', `--token-env ${tokenEnv}: an environment variable name`);
  if (!flags.tokenLiteral) return { transport, url, tokenEnv };
  const token = env[tokenEnv];
  if (!token)
    throw new FleetError('USAGE', `--token-literal writes the value of $${tokenEnv}, which is not set`);
  return { transport, url, tokenEnv, token };
}

/**
 * Refuses a literal token for `--scope project`: a project's file (`.mcp.json`,
 * `.vscode/mcp.json`, …) is meant to be committed and shared, so the hub token would end up in
 * the repository. Called by install and import before any file is read.
 */
export function checkTokenLiteralScope(spec: HubEntrySpec, scope: Scope): void {
  if (spec.token === undefined || scope !== 'project') return;
  throw new FleetError(
    'USAGE',
    '--token-literal cannot go with --scope project: the project file is meant to be committed, and the hub token would be in it; use --token-env (the file then names the variable), or --scope user',
    { scope },
  );
}

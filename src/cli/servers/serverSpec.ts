import { FleetError } from '../../errors/index.js';
import type { RegistryNeed, RegistryPlan } from './fromRegistry.js';
import { parseSecretFiles, wrapWithSecretFiles } from './secretFiles.js';
import type { ServerSpec } from './serverEntries.js';

/** What `servers add` was told on its command line. */
export interface ServerFlags {
  command?: string;
  /** Everything after `--`: the command and its arguments. */
  trailing?: string[];
  arg?: string[];
  env?: string[];
  /** `NAME=PATH`: the server gets NAME from the file at PATH, read when it starts. */
  secretFile?: string[];
  cwd?: string;
  url?: string;
  tokenEnv?: string;
  tokenFile?: string;
  transport?: string;
  include?: string[];
  exclude?: string[];
  description?: string;
  disabled?: boolean;
}

/**
 * Words that make an environment variable's value a credential. fleet.yaml is meant to be
 * shared and committed, so `--env` refuses them; a name ending in _FILE, _PATH or _DIR names
 * where a secret is kept, which is fine. Matching is per `_`-separated word, so KEYBOARD or
 * MONKEY do not count.
 */
const SECRET_WORD = /^(?:[A-Z0-9]*(?:TOKENS?|SECRETS?|PASSWORDS?|PASSWD|APIKEYS?|CREDENTIALS?)|KEYS?|PASS)$/i;
const REFERENCE_WORD = /^(?:FILE|PATH|DIR)$/i;

export function looksSecret(name: string): boolean {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length > 0 && REFERENCE_WORD.test(words.at(-1) ?? '')) return false;
  return words.some((w) => SECRET_WORD.test(w));
}

function secretRefusal(name: string): FleetError {
  return new FleetError(
    'USAGE',
    `--env ${name} looks like a secret, and fleet.yaml holds none (it is meant to be shared). ` +
      `If the server can read it from a file (a ${name}_FILE variable or a --…-file flag), give it that path; ` +
      `a url server takes --token-env VAR; otherwise --secret-file ${name}=PATH has it read from a file ` +
      'when the server starts (docs/servers.md#secrets)',
    { name },
  );
}

/** `K=V` pairs as an env map; names that look like credentials are refused (see looksSecret). */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new FleetError('USAGE', `--env wants NAME=VALUE, not "${pair}"`);
    const name = pair.slice(0, eq);
    if (looksSecret(name)) throw secretRefusal(name);
    env[name] = pair.slice(eq + 1);
  }
  return env;
}

function common(flags: ServerFlags): Partial<ServerSpec> {
  const tools =
    flags.include?.length || flags.exclude?.length
      ? {
          tools: {
            ...(flags.include?.length ? { include: flags.include } : {}),
            ...(flags.exclude?.length ? { exclude: flags.exclude } : {}),
          },
        }
      : {};
  return {
    ...tools,
    ...(flags.disabled ? { enabled: false } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
  };
}

function transportOf(flags: ServerFlags): Partial<ServerSpec> {
  if (flags.transport === undefined) return {};
  if (flags.transport !== 'streamable-http' && flags.transport !== 'sse') {
    throw new FleetError('USAGE', `--transport is streamable-http or sse, not "${flags.transport}"`);
  }
  return { transport: flags.transport };
}

const credentialOf = (flags: ServerFlags): Partial<ServerSpec> => ({
  ...(flags.tokenEnv ? { token_env: flags.tokenEnv } : {}),
  ...(flags.tokenFile ? { token_file: flags.tokenFile } : {}),
});

/** The fleet.yaml entry `servers add` writes, from `--command`/`-- …` or `--url` and the rest. */
export function specFromFlags(flags: ServerFlags): ServerSpec {
  const trailing = flags.trailing ?? [];
  const kinds = [flags.command !== undefined || trailing.length > 0, flags.url !== undefined].filter(Boolean);
  if (kinds.length !== 1) {
    throw new FleetError(
      'USAGE',
      'give the server as --command (or after --), or as --url, or --from-registry',
    );
  }
  if (flags.command !== undefined && trailing.length > 0) {
    throw new FleetError('USAGE', 'give the command either as --command/--arg or after --, not both');
  }
  if (flags.url !== undefined) {
    if (flags.arg?.length || flags.env?.length || flags.secretFile?.length || flags.cwd) {
      throw new FleetError(
        'USAGE',
        '--arg, --env, --secret-file and --cwd apply to a command, not to a --url server',
      );
    }
    return { url: flags.url, ...transportOf(flags), ...credentialOf(flags), ...common(flags) };
  }
  if (flags.tokenEnv || flags.tokenFile || flags.transport) {
    throw new FleetError('USAGE', '--token-env, --token-file and --transport apply to a --url server');
  }
  const [first, ...rest] = flags.command !== undefined ? [flags.command, ...(flags.arg ?? [])] : trailing;
  const env = parseEnvPairs(flags.env ?? []);
  const run = wrapWithSecretFiles(
    first ?? '',
    flags.command !== undefined ? rest : [...rest, ...(flags.arg ?? [])],
    parseSecretFiles(flags.secretFile ?? []),
  );
  return {
    command: run.command,
    ...(run.args.length > 0 ? { args: run.args } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(flags.cwd ? { cwd: flags.cwd } : {}),
    ...common(flags),
  };
}

/** A registry plan with the command line's additions; unmet required needs leave it disabled. */
export function specFromPlan(
  plan: RegistryPlan,
  flags: ServerFlags,
): { spec: ServerSpec; unmet: RegistryNeed[] } {
  if (flags.command !== undefined || flags.url !== undefined || flags.trailing?.length) {
    throw new FleetError('USAGE', '--from-registry brings its own command or url');
  }
  const base = plan.spec;
  const isUrl = base.url !== undefined;
  if (isUrl && (flags.arg?.length || flags.env?.length || flags.secretFile?.length || flags.cwd)) {
    throw new FleetError(
      'USAGE',
      `${plan.entry} is a remote server: --arg, --env, --secret-file and --cwd do not apply`,
    );
  }
  if (!isUrl && (flags.tokenEnv || flags.tokenFile || flags.transport)) {
    throw new FleetError(
      'USAGE',
      `${plan.entry} runs as a command: --token-env, --token-file and --transport do not apply`,
    );
  }
  const env = { ...base.env, ...parseEnvPairs(flags.env ?? []) };
  const secrets = parseSecretFiles(flags.secretFile ?? []);
  const run = isUrl
    ? {}
    : wrapWithSecretFiles(base.command ?? '', [...(base.args ?? []), ...(flags.arg ?? [])], secrets);
  const spec: ServerSpec = {
    ...base,
    ...(isUrl ? { ...transportOf(flags), ...credentialOf(flags) } : run),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(flags.cwd ? { cwd: flags.cwd } : {}),
    ...common(flags),
  };
  let argumentsGiven = flags.arg?.length ?? 0;
  const unmet = plan.needs.filter((need) => {
    if (!need.required) return false;
    if (need.kind === 'env')
      return env[need.name] === undefined && !secrets.some((f) => f.name === need.name);
    if (need.kind === 'header')
      return !(need.name.toLowerCase() === 'authorization' && (spec.token_env || spec.token_file));
    return argumentsGiven-- <= 0;
  });
  if (unmet.length > 0) spec.enabled = false;
  return { spec, unmet };
}

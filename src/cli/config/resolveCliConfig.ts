import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultStateDir, parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import {
  type CliConfigFile,
  CliConfigFileSchema,
  COLOR_MODES,
  type ColorMode,
  DEFAULT_HUB_URL,
  HubUrlSchema,
} from './schema.js';
import { type ConfigLayer, type ConfigSource, keyLines, type Sourced, settingPath } from './sources.js';

/** How the CLI reaches the hub's token: a variable's value, a file, or none at all (an --insecure hub). */
export type TokenRef = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'none' };

/** The CLI's effective settings, each with where it came from. */
export interface CliSettings {
  hubUrl: Sourced<string>;
  token: Sourced<TokenRef>;
  fleet: Sourced<string>;
  stateDir: Sourced<string>;
  color: Sourced<ColorMode>;
  /** The files looked at, in the order applied, and whether each was there. */
  files: ReadonlyArray<{ layer: ConfigLayer; path: string; present: boolean }>;
}

/** What the command line said (the last layer). */
export interface CliFlags {
  hub?: string;
  tokenFile?: string;
  fleet?: string;
  stateDir?: string;
  color?: string;
}

/** The flag each setting is given with, as `config show` names it. */
export const CLI_FLAG_NAMES: Readonly<Record<keyof CliFlags, string>> = {
  hub: '--hub',
  tokenFile: '--token-file',
  fleet: '--config',
  stateDir: '--state-dir',
  color: '--color',
};

/** The environment variables the CLI reads, consistent with the hub's and the agent's. */
export const CLI_ENV = {
  hubUrl: 'MCP_FLEET_HUB_URL',
  token: 'MCP_FLEET_TOKEN',
  tokenFile: 'MCP_FLEET_TOKEN_FILE',
  fleet: 'MCP_FLEET_HUB_CONFIG',
  stateDir: 'MCP_FLEET_HUB_STATE_DIR',
  color: 'MCP_FLEET_COLOR',
} as const;

export interface CliConfigDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** Reads a file as UTF-8; an ENOENT error means the layer is absent. */
  readFile: (path: string) => Promise<string>;
}

export function defaultCliConfigDeps(): CliConfigDeps {
  return { env: process.env, cwd: process.cwd(), home: homedir(), readFile: (p) => readFile(p, 'utf8') };
}

/** `$XDG_CONFIG_HOME/mcp-fleet` (default `~/.config/mcp-fleet`): the user config, and `init`'s fleet.yaml. */
export function userConfigDir(deps: Pick<CliConfigDeps, 'env' | 'home'>): string {
  return join(deps.env.XDG_CONFIG_HOME || join(deps.home, '.config'), 'mcp-fleet');
}

/** The three files, in the order they apply. */
export function cliConfigFiles(
  deps: Pick<CliConfigDeps, 'env' | 'home' | 'cwd'>,
): Array<{ layer: ConfigLayer; path: string }> {
  return [
    { layer: 'system', path: '/etc/mcp-fleet/config.yaml' },
    { layer: 'user', path: join(userConfigDir(deps), 'config.yaml') },
    { layer: 'project', path: join(deps.cwd, 'mcp-fleet.yaml') },
  ];
}

/** The hub's state directory when nothing names one: the same rule as `hubStateDir`, with `home` injected. */
function defaultHubStateDir(deps: Pick<CliConfigDeps, 'env' | 'home'>): string {
  const env = { ...deps.env, XDG_STATE_HOME: deps.env.XDG_STATE_HOME || join(deps.home, '.local', 'state') };
  return join(defaultStateDir(env), 'hub');
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readLayer(
  layer: ConfigLayer,
  path: string,
  deps: CliConfigDeps,
): Promise<{ config: CliConfigFile; line: (p: readonly string[]) => number } | undefined> {
  let text: string;
  try {
    text = await deps.readFile(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new FleetError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`, {
      file: path,
      layer,
    });
  }
  // Every problem with file:line:column, in one message (parseYamlConfig's CONFIG_INVALID).
  const config = parseYamlConfig(CliConfigFileSchema, text, path);
  return { config, line: keyLines(text) };
}

/**
 * The CLI's settings from, in order (later wins): defaults, `/etc/mcp-fleet/config.yaml`,
 * `~/.config/mcp-fleet/config.yaml`, `./mcp-fleet.yaml`, `MCP_FLEET_*` variables, flags.
 * Every value keeps its source. An invalid file is CONFIG_INVALID with file:line; a bad value
 * in a variable or flag is CONFIG_INVALID / USAGE naming it. The token is resolved only as a
 * reference here (see `readHubToken`): nothing in this object is a secret.
 */
export async function resolveCliConfig(flags: CliFlags, deps: CliConfigDeps): Promise<CliSettings> {
  const def: ConfigSource = { kind: 'default' };
  let hubUrl: Sourced<string> = { value: DEFAULT_HUB_URL, source: def };
  let token: Sourced<TokenRef> = { value: { kind: 'none' }, source: def };
  let fleet: Sourced<string> = { value: join(userConfigDir(deps), 'fleet.yaml'), source: def };
  let stateDir: Sourced<string> = { value: defaultHubStateDir(deps), source: def };
  let color: Sourced<ColorMode> = { value: 'auto', source: def };

  const files: Array<{ layer: ConfigLayer; path: string; present: boolean }> = [];
  for (const { layer, path } of cliConfigFiles(deps)) {
    const read = await readLayer(layer, path, deps);
    files.push({ layer, path, present: read !== undefined });
    if (!read) continue;
    const { config, line } = read;
    const from = (...key: string[]): ConfigSource => ({ kind: 'file', layer, path, line: line(key) });
    const base = dirname(path);
    if (config.hub?.url) hubUrl = { value: config.hub.url, source: from('hub', 'url') };
    // token_env and token_file are one setting: a later layer naming either replaces both.
    if (config.hub?.token_env)
      token = { value: { kind: 'env', name: config.hub.token_env }, source: from('hub', 'token_env') };
    if (config.hub?.token_file)
      token = {
        value: { kind: 'file', path: settingPath(config.hub.token_file, base, deps.home) },
        source: from('hub', 'token_file'),
      };
    if (config.fleet) fleet = { value: settingPath(config.fleet, base, deps.home), source: from('fleet') };
    if (config.state_dir)
      stateDir = { value: settingPath(config.state_dir, base, deps.home), source: from('state_dir') };
    if (config.output?.color) color = { value: config.output.color, source: from('output', 'color') };
  }

  const env = deps.env;
  const envValue = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const url = envValue(CLI_ENV.hubUrl);
  if (url)
    hubUrl = { value: checkUrl(url, `${CLI_ENV.hubUrl}`), source: { kind: 'env', name: CLI_ENV.hubUrl } };
  // The token's own variable beats a file named by variable: it is the more direct statement.
  const tokenFile = envValue(CLI_ENV.tokenFile);
  if (tokenFile)
    token = {
      value: { kind: 'file', path: settingPath(tokenFile, deps.cwd, deps.home) },
      source: { kind: 'env', name: CLI_ENV.tokenFile },
    };
  if (envValue(CLI_ENV.token))
    token = { value: { kind: 'env', name: CLI_ENV.token }, source: { kind: 'env', name: CLI_ENV.token } };
  const fleetEnv = envValue(CLI_ENV.fleet);
  if (fleetEnv)
    fleet = {
      value: settingPath(fleetEnv, deps.cwd, deps.home),
      source: { kind: 'env', name: CLI_ENV.fleet },
    };
  const stateEnv = envValue(CLI_ENV.stateDir);
  if (stateEnv)
    stateDir = {
      value: settingPath(stateEnv, deps.cwd, deps.home),
      source: { kind: 'env', name: CLI_ENV.stateDir },
    };
  // NO_COLOR (no-color.org) is the general wish; MCP_FLEET_COLOR and --color are more specific.
  if (env.NO_COLOR) color = { value: 'never', source: { kind: 'env', name: 'NO_COLOR' } };
  const colorEnv = envValue(CLI_ENV.color);
  if (colorEnv)
    color = { value: checkColor(colorEnv, CLI_ENV.color), source: { kind: 'env', name: CLI_ENV.color } };

  const flag = (key: keyof CliFlags): ConfigSource => ({ kind: 'flag', name: CLI_FLAG_NAMES[key] });
  if (flags.hub !== undefined)
    hubUrl = { value: checkUrl(flags.hub, CLI_FLAG_NAMES.hub), source: flag('hub') };
  if (flags.tokenFile !== undefined)
    token = {
      value: { kind: 'file', path: settingPath(flags.tokenFile, deps.cwd, deps.home) },
      source: flag('tokenFile'),
    };
  if (flags.fleet !== undefined)
    fleet = { value: settingPath(flags.fleet, deps.cwd, deps.home), source: flag('fleet') };
  if (flags.stateDir !== undefined)
    stateDir = { value: settingPath(flags.stateDir, deps.cwd, deps.home), source: flag('stateDir') };
  if (flags.color !== undefined)
    color = { value: checkColor(flags.color, CLI_FLAG_NAMES.color), source: flag('color') };

  return { hubUrl, token, fleet, stateDir, color, files };
}

function checkUrl(value: string, where: string): string {
  const parsed = HubUrlSchema.safeParse(value);
  if (!parsed.success) {
    throw new FleetError(
      'CONFIG_INVALID',
      `${where}: ${parsed.error.issues[0]?.message ?? 'invalid URL'}: ${value}`,
    );
  }
  return value;
}

function checkColor(value: string, where: string): ColorMode {
  const mode = COLOR_MODES.find((m) => m === value);
  if (!mode) throw new FleetError('CONFIG_INVALID', `${where}: want ${COLOR_MODES.join(', ')}, not ${value}`);
  return mode;
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { generateToken, hashToken } from '../agent/auth.js';
import { isLoopbackHost } from '../agent/requestGuards.js';
import { parseListen } from '../agent/settings.js';
import { pathExists, readTextFile, writeTextAtomic } from '../config/index.js';
import { FleetError } from '../errors/index.js';
import { DEFAULT_HUB_LISTEN } from '../hub/hubSettings.js';
import {
  type CliConfigDeps,
  defaultCliConfigDeps,
  resolveCliConfig,
  setCliConfigValues,
  settingPath,
  userConfigDir,
} from './config/index.js';

/** The file, in the hub's state directory, holding the admin token for the CLI (mode 0600). */
export const CLI_TOKEN_FILE = 'cli-token';

export interface InitOptions {
  dir?: string;
  listen?: string;
  stateDir?: string;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface InitResult {
  fleet: string;
  state_dir: string;
  token_file: string;
  user_config: string;
  url: string;
  listen: string;
  token: string;
}

/** The starter fleet.yaml: this machine, and commented examples of the other two kinds of device. */
export function starterFleetYaml(listen: string, sha256: string, stateDir?: string): string {
  return `# fleet.yaml: the hub's inventory, made by \`mcp-fleet init\`.
# Full shape: deploy/fleet.example.yaml and docs/hub.md. The hub reloads this file when it
# changes; \`mcp-fleet devices add\` and \`mcp-fleet token revoke\` edit it and keep comments.

listen: ${listen}
${stateDir ? `state_dir: ${JSON.stringify(stateDir)}\n` : ''}
devices:
  # This machine, served in-process by the hub.
  local:
    local: true
    tags: [local]
  # An agent (\`mcp-fleet agent\` on the device), its token in the hub's environment:
  #   pi-kitchen: { url: "http://192.168.1.20:8222/mcp", token_env: PI_KITCHEN_TOKEN, tags: [pi] }
  # A machine over SSH with nothing installed (its host key must be in ~/.ssh/known_hosts):
  #   garage-pi:
  #     ssh: { host: 192.168.1.31, user: pi }
  #     policy: { roots: [/home/pi] }

# Who may call the hub. Only each token's sha256 is kept; \`mcp-fleet token list\` shows them.
principals:
  admin:
    token_sha256: "${sha256}"
    role: admin
`;
}

/** The URL this machine's CLI uses to reach a hub listening on `listen` (a wildcard address means loopback). */
export function localHubUrl(listen: string): string {
  const { host, port } = parseListen(listen);
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}/mcp`;
}

export interface InitDeps {
  config: CliConfigDeps;
  /** Asks one question with a default; only called on a terminal without --yes. */
  ask?: (question: string, fallback: string) => Promise<string>;
}

/**
 * Makes a working setup in one step: fleet.yaml (never over an existing one without --force),
 * the hub's state directory, an admin token (printed once; fleet.yaml keeps its sha256, the CLI
 * reads it from a 0600 file in the state directory), and the user config's hub.url,
 * hub.token_file and fleet, so `mcp-fleet hub --config …` then `mcp-fleet status` work.
 */
export async function runInit(options: InitOptions, deps: InitDeps): Promise<InitResult> {
  const cfg = deps.config;
  const settings = await resolveCliConfig(
    options.stateDir !== undefined ? { stateDir: options.stateDir } : {},
    cfg,
  );
  const ask = options.yes || options.json ? undefined : deps.ask;
  const defaultDir = userConfigDir(cfg);
  let dir = options.dir ?? (ask ? await ask('Where should fleet.yaml go?', defaultDir) : defaultDir);
  dir = settingPath(dir, cfg.cwd, cfg.home);
  let listen =
    options.listen ??
    (ask ? await ask('Address the hub listens on?', DEFAULT_HUB_LISTEN) : DEFAULT_HUB_LISTEN);
  listen = listen.trim();
  try {
    parseListen(listen);
  } catch {
    throw new FleetError('USAGE', `listen address ${listen}: want HOST:PORT, e.g. 127.0.0.1:7420`);
  }
  const fleet = join(dir, 'fleet.yaml');
  if (!options.force && (await pathExists(fleet))) {
    throw new FleetError(
      'USAGE',
      `${fleet} already exists; --force replaces it (its devices and principals are lost)`,
    );
  }
  const stateDir = settings.stateDir.value;
  const tokenFile = join(stateDir, CLI_TOKEN_FILE);
  const token = generateToken();
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new FleetError('USAGE', `cannot make the state directory ${stateDir}: ${(error as Error).message}`);
  }
  // The token file first: a fleet.yaml naming a hash whose token was lost would lock the CLI out.
  await writeTextAtomic(tokenFile, `${token}\n`, { mode: 0o600 });
  const customState = settings.stateDir.source.kind !== 'default' ? stateDir : undefined;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // --force replaces a fleet.yaml: it keeps the mode and owner the operator gave it.
  const replaced = (await readTextFile(fleet))?.owner ?? { mode: 0o600 };
  await writeTextAtomic(fleet, starterFleetYaml(listen, hashToken(token), customState), replaced);
  const url = localHubUrl(listen);
  const userConfig = join(userConfigDir(cfg), 'config.yaml');
  await setCliConfigValues(userConfig, [
    { key: ['hub', 'url'], value: url },
    { key: ['hub', 'token_env'], value: undefined },
    { key: ['hub', 'token_file'], value: tokenFile },
    { key: ['fleet'], value: fleet },
    ...(customState ? [{ key: ['state_dir'], value: customState }] : []),
  ]);
  return { fleet, state_dir: stateDir, token_file: tokenFile, user_config: userConfig, url, listen, token };
}

function summary(r: InitResult): string {
  const exposed = !isLoopbackHost(parseListen(r.listen).host);
  return [
    `Wrote ${r.fleet}: this machine as device "local", an admin principal, commented examples.`,
    `State directory: ${r.state_dir}`,
    `CLI settings: ${r.user_config} (hub.url ${r.url}, hub.token_file)`,
    '',
    `Admin token (shown once here; fleet.yaml keeps only its sha256, the CLI reads ${r.token_file}):`,
    `  ${r.token}`,
    '',
    'Next:',
    `  mcp-fleet hub --config ${r.fleet}${exposed ? '      # reachable from the network: keep the token secret' : ''}`,
    '  mcp-fleet status                       # in another terminal',
    `  claude mcp add --transport http fleet ${r.url} --header "Authorization: Bearer ${r.token}"`,
    '',
  ].join('\n');
}

/** `mcp-fleet init`: a starter fleet.yaml, the state directory, an admin token and the CLI's settings. */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('Set up a hub on this machine: fleet.yaml, state directory, admin token, CLI settings')
    .option('--dir <dir>', 'where fleet.yaml goes (default ~/.config/mcp-fleet)')
    .option('--listen <host:port>', `the hub's address (default ${DEFAULT_HUB_LISTEN})`)
    .option('--state-dir <dir>', "the hub's state directory (default ~/.local/state/mcp-fleet/hub)")
    .option('--force', 'replace an existing fleet.yaml')
    .option('-y, --yes', 'ask nothing: take the defaults (and the flags)')
    .option('--json', 'print {fleet, state_dir, token_file, user_config, url, listen, token} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet init                         # asks where and which address (on a terminal)
  mcp-fleet init --yes                   # ~/.config/mcp-fleet/fleet.yaml, 127.0.0.1:7420
  mcp-fleet init --dir /etc/mcp-fleet --listen 0.0.0.0:7420 --force

Then: mcp-fleet hub --config <the fleet.yaml>, and mcp-fleet status. The token is printed
once; the CLI reads it from <state dir>/cli-token (0600). See docs/cli.md.`,
    )
    .action(async (opts: InitOptions) => {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      let rl: ReturnType<typeof createInterface> | undefined;
      const ask = interactive
        ? async (question: string, fallback: string) => {
            rl ??= createInterface({ input: process.stdin, output: process.stdout });
            const answer = (await rl.question(`${question} [${fallback}] `)).trim();
            return answer || fallback;
          }
        : undefined;
      try {
        const result = await runInit(opts, { config: defaultCliConfigDeps(), ...(ask ? { ask } : {}) });
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : summary(result));
      } finally {
        rl?.close();
      }
    });
}

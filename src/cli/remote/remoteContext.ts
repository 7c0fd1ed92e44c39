import type { Command } from 'commander';
import { FleetError } from '../../errors/index.js';
import {
  type CliConfigDeps,
  type CliFlags,
  type CliSettings,
  defaultCliConfigDeps,
  describeSource,
  requireHubToken,
  resolveCliConfig,
} from '../config/index.js';
import { connectHub, type HubConnection, type HubConnector } from './hubClient.js';
import { type CliIO, colorEnabled, createStyle, processIO, type Style } from './terminal.js';

/** Options every command that talks to the hub takes. */
export interface HubOptionValues {
  hub?: string;
  tokenFile?: string;
  color?: string;
  json?: boolean;
}

/** Adds `--hub`, `--token-file`, `--color` and `--json` to a command. */
export function withHubOptions(command: Command, json = 'print the structured result as JSON'): Command {
  return command
    .option(
      '--hub <url>',
      "the hub's MCP endpoint (env MCP_FLEET_HUB_URL; default http://127.0.0.1:7420/mcp)",
    )
    .option(
      '--token-file <file>',
      'file holding the bearer token (env MCP_FLEET_TOKEN, MCP_FLEET_TOKEN_FILE)',
    )
    .option('--color <when>', 'auto, always or never (env MCP_FLEET_COLOR, NO_COLOR)')
    .option('--json', json);
}

export function flagsOf(opts: HubOptionValues & { config?: string; stateDir?: string }): CliFlags {
  return {
    ...(opts.hub !== undefined ? { hub: opts.hub } : {}),
    ...(opts.tokenFile !== undefined ? { tokenFile: opts.tokenFile } : {}),
    ...(opts.color !== undefined ? { color: opts.color } : {}),
    ...(opts.config !== undefined ? { fleet: opts.config } : {}),
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
  };
}

/** What the remote commands depend on; the defaults are the real process, files and network. */
export interface RemoteDeps {
  io: CliIO;
  config: CliConfigDeps;
  connect: HubConnector;
  /** Runs `handler` on Ctrl-C until the returned function is called. */
  onInterrupt: (handler: () => void) => () => void;
  /** Leaves the command's exit code for the process to exit with. */
  setExitCode: (code: number) => void;
}

export function defaultRemoteDeps(): RemoteDeps {
  return {
    io: processIO(),
    config: defaultCliConfigDeps(),
    connect: connectHub,
    onInterrupt(handler) {
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    setExitCode(code) {
      process.exitCode = code;
    },
  };
}

/**
 * A commander action from a body that returns an exit code. The code is left for the process
 * to exit with (not `process.exit`): by then the MCP connection is closed, and output still
 * buffered for a pipe is written out first.
 */
export function exitWith<A extends unknown[]>(
  body: (...args: A) => Promise<number>,
  setExitCode: (code: number) => void = (code) => {
    process.exitCode = code;
  },
): (...args: A) => Promise<void> {
  return async (...args) => {
    const code = await body(...args);
    if (code !== 0) setExitCode(code);
  };
}

/** One command run's settings, output style and hub access. */
export interface RemoteContext {
  deps: RemoteDeps;
  settings: CliSettings;
  /** Colors for stdout. */
  style: Style;
  json: boolean;
  /** Whether a progress line may be drawn: stdout and stderr are both terminals. */
  interactive: boolean;
  /** Connects to the hub, runs `fn`, and closes the connection whatever happens. */
  withHub<T>(fn: (hub: HubConnection) => Promise<T>): Promise<T>;
}

export async function createRemoteContext(
  opts: HubOptionValues & { config?: string; stateDir?: string },
  deps: RemoteDeps = defaultRemoteDeps(),
): Promise<RemoteContext> {
  const settings = await resolveCliConfig(flagsOf(opts), deps.config);
  const io = deps.io;
  return {
    deps,
    settings,
    style: createStyle(colorEnabled(settings.color.value, io.stdout, io.env)),
    json: opts.json === true,
    interactive: io.stdout.isTTY === true && io.stderr.isTTY === true,
    async withHub(fn) {
      const token = await requireHubToken(settings.token, describeSource(settings.token.source), deps.config);
      const ref = settings.token.value;
      const tokenFrom = ref.kind === 'env' ? ref.name : ref.kind === 'file' ? ref.path : 'nowhere';
      const hub = await deps.connect({ url: settings.hubUrl.value, token, tokenFrom });
      try {
        return await fn(hub);
      } finally {
        await hub.close();
      }
    },
  };
}

/** Parses `--lines`-style counts: a positive integer, else a usage error naming the flag. */
export function positiveInt(flag: string, max = 100_000): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new FleetError('USAGE', `${flag} wants a whole number from 1 to ${max}, not ${value}`);
    }
    return n;
  };
}

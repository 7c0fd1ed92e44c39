import type { Command } from 'commander';
import {
  type CliConfigDeps,
  type CliSettings,
  type ConfigSource,
  defaultCliConfigDeps,
  describeSource,
  readHubToken,
  resolveCliConfig,
} from './config/index.js';
import { flagsOf, type HubOptionValues } from './remote/remoteContext.js';
import { renderTable } from './remote/table.js';
import { colorEnabled, createStyle, type OutputStream } from './remote/terminal.js';

export interface ShownSetting {
  key: string;
  value: string;
  source: ConfigSource;
  /** For hub.token: whether a token is actually there. */
  set?: boolean;
}

/**
 * The effective settings for display. The token is described, never shown: `(set, from
 * MCP_FLEET_TOKEN)`, or why it is not set; the reference is checked (the variable set, the file
 * readable) so the line says whether a command would have a token.
 */
export async function describeSettings(settings: CliSettings, deps: CliConfigDeps): Promise<ShownSetting[]> {
  const ref = settings.token.value;
  let token: { value: string; set: boolean };
  if (ref.kind === 'none') token = { value: '(none: calls go without a token)', set: false };
  else {
    const found = await readHubToken(ref, deps);
    token = found.token
      ? { value: `(set, from ${found.from})`, set: true }
      : { value: `(not set: ${found.problem})`, set: false };
  }
  return [
    { key: 'hub.url', value: settings.hubUrl.value, source: settings.hubUrl.source },
    { key: 'hub.token', ...token, source: settings.token.source },
    { key: 'fleet', value: settings.fleet.value, source: settings.fleet.source },
    { key: 'state_dir', value: settings.stateDir.value, source: settings.stateDir.source },
    { key: 'output.color', value: settings.color.value, source: settings.color.source },
  ];
}

export async function showConfig(
  opts: HubOptionValues & { config?: string; stateDir?: string },
  deps: CliConfigDeps,
  out: OutputStream,
): Promise<void> {
  const settings = await resolveCliConfig(flagsOf(opts), deps);
  const shown = await describeSettings(settings, deps);
  if (opts.json) {
    out.write(`${JSON.stringify({ settings: shown, files: settings.files })}\n`);
    return;
  }
  const style = createStyle(colorEnabled(settings.color.value, out, deps.env));
  const table = renderTable(
    ['SETTING', 'VALUE', 'SOURCE'],
    shown.map((s) => [s.key, s.value, describeSource(s.source)]),
    style.bold,
  );
  const files = settings.files
    .map((f) => `  ${f.layer.padEnd(8)} ${f.path}${f.present ? '' : style.dim('  (not present)')}`)
    .join('\n');
  out.write(
    `${table}\n\nFiles, in order (a later one wins; then MCP_FLEET_* variables, then flags):\n${files}\n`,
  );
}

/** `mcp-fleet config show`: the CLI's effective settings and where each came from. */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description("The CLI's own settings (hub URL, token, fleet.yaml)");
  config
    .command('show')
    .description(
      'The effective settings and the source of each: a file and line, a variable, a flag or the default',
    )
    .option('--hub <url>', "the hub's MCP endpoint (env MCP_FLEET_HUB_URL)")
    .option('--token-file <file>', 'file holding the bearer token (env MCP_FLEET_TOKEN_FILE)')
    .option('--color <when>', 'auto, always or never (env MCP_FLEET_COLOR, NO_COLOR)')
    .option('-c, --config <file>', 'fleet.yaml (env MCP_FLEET_HUB_CONFIG)')
    .option('--state-dir <dir>', "the hub's state directory (env MCP_FLEET_HUB_STATE_DIR)")
    .option('--json', 'print {settings: [{key, value, source}], files} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet config show
  MCP_FLEET_HUB_URL=http://hub.lan:7420/mcp mcp-fleet config show --json

Layers, a later one wins: defaults, /etc/mcp-fleet/config.yaml, ~/.config/mcp-fleet/config.yaml
($XDG_CONFIG_HOME), ./mcp-fleet.yaml, MCP_FLEET_* variables, flags. The token is never printed.
See docs/cli.md.`,
    )
    .action(async (opts: HubOptionValues & { config?: string; stateDir?: string }) => {
      await showConfig(opts, defaultCliConfigDeps(), process.stdout);
    });
}

import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import { createEnrolledStore, enrolledPath } from '../hub/enroll/index.js';
import { DeviceName } from '../hub/inventory/index.js';
import { CLI_ENV, defaultCliConfigDeps, editFleetFile, resolveCliConfig } from './config/index.js';
import { EXIT } from './remote/outcome.js';
import {
  createRemoteContext,
  defaultRemoteDeps,
  exitWith,
  flagsOf,
  type HubOptionValues,
  type RemoteDeps,
  withHubOptions,
} from './remote/remoteContext.js';
import {
  type DeviceRow,
  parseDevices,
  renderDeviceDetail,
  renderDeviceTable,
} from './remote/renderDevices.js';
import { reportToolError, runToExitCode } from './remote/runHubCall.js';
import { renderTable } from './remote/table.js';
import type { Style } from './remote/terminal.js';

interface StateDirOptions {
  stateDir?: string;
  json?: boolean;
}

/** The hub's state directory as the CLI config resolves it (flag, MCP_FLEET_HUB_STATE_DIR, config files, default). */
async function enrolledStore(opts: StateDirOptions) {
  const settings = await resolveCliConfig(flagsOf(opts), defaultCliConfigDeps());
  return createEnrolledStore(enrolledPath(settings.stateDir.value));
}

async function listEnrolled(opts: StateDirOptions): Promise<void> {
  const devices = await (await enrolledStore(opts)).load();
  // Never the credential: this output goes to terminals, logs and tickets.
  const rows = Object.entries(devices)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => ({ name, url: d.url, tags: d.tags, enrolled_at: d.enrolled_at }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ devices: rows })}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no enrolled devices\n');
    return;
  }
  const header = ['NAME', 'URL', 'TAGS', 'ENROLLED'];
  process.stdout.write(
    `${renderTable(
      header,
      rows.map((r) => [r.name, r.url, r.tags.join(',') || '-', r.enrolled_at]),
    )}\n`,
  );
}

/**
 * Removes a device wherever it was added: an enrolled one from the state directory (revoking
 * its credential), else one of fleet.yaml (what `devices add` wrote), so add and remove pair up.
 */
async function removeDevice(name: string, opts: StateDirOptions & { config?: string }): Promise<void> {
  const store = await enrolledStore(opts);
  if (await store.remove(name)) {
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ removed: name, from: store.path })}\n`);
      return;
    }
    process.stdout.write(
      `removed ${name}: its credential is revoked (a running hub drops the device when enrolled.json changes)\n`,
    );
    return;
  }
  const settings = await resolveCliConfig(flagsOf(opts), defaultCliConfigDeps());
  const file = settings.fleet.value;
  let found = false;
  try {
    await editFleetFile(file, (editor, current) => {
      if (!current.devices[name]) return;
      found = true;
      editor.delete(['devices', name]);
    });
  } catch (error) {
    // No fleet.yaml at all: the name is simply unknown.
    if (!(error instanceof FleetError && error.code === 'CONFIG_NOT_FOUND')) throw error;
  }
  if (!found) {
    throw new FleetError('USAGE', `no enrolled device named ${name} in ${store.path}, and none in ${file}`, {
      name,
    });
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ removed: name, from: file })}\n`);
    return;
  }
  process.stdout.write(`removed ${name} from ${file}; a running hub drops it by itself\n`);
}

/** fleet_devices through the hub: every device it reaches (fleet.yaml, enrolled, chained, built in). */
async function hubDevices(
  deps: RemoteDeps,
  opts: HubOptionValues,
  targets: string,
  show: (devices: DeviceRow[], style: Style) => number,
): Promise<number> {
  const ctx = await createRemoteContext(opts, deps);
  return runToExitCode(ctx, () =>
    ctx.withHub(async (hub) => {
      const result = await hub.callTool('fleet_devices', { targets });
      if (result.isError) return reportToolError(ctx, result);
      const devices = parseDevices(result.structuredContent);
      if (!devices)
        throw new FleetError('UPSTREAM_ERROR', "the hub's fleet_devices answered without devices");
      if (ctx.json) {
        deps.io.stdout.write(`${JSON.stringify(result.structuredContent)}\n`);
        return EXIT.ok;
      }
      return show(devices, ctx.style);
    }),
  );
}

/** `[user@]host[:port]`, `user@[v6]:port`. */
export function parseSshTarget(value: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@\s]+)@)?(\[[0-9a-fA-F:.]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(value);
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  if (!m?.[2] || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new FleetError('USAGE', `--ssh wants user@host or user@host:port, not ${value}`);
  }
  return {
    host: m[2].replace(/^\[|\]$/g, ''),
    ...(m[1] ? { user: m[1] } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

interface AddOptions {
  url?: string;
  ssh?: string;
  tokenEnv?: string;
  tokenFile?: string;
  tags?: string;
  description?: string;
  config?: string;
  json?: boolean;
}

async function addDevice(name: string, opts: AddOptions): Promise<void> {
  const valid = DeviceName.safeParse(name);
  if (!valid.success) throw new FleetError('USAGE', `device name ${name}: ${valid.error.issues[0]?.message}`);
  if ((opts.url === undefined) === (opts.ssh === undefined)) {
    throw new FleetError(
      'USAGE',
      'give --url (an agent) or --ssh user@host[:port] (nothing installed), one of them',
    );
  }
  if (opts.ssh && (opts.tokenEnv || opts.tokenFile)) {
    throw new FleetError('USAGE', '--token-env and --token-file apply to --url devices (ssh uses your keys)');
  }
  const tags = opts.tags
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const device: Record<string, unknown> = opts.url
    ? {
        url: opts.url,
        ...(opts.tokenEnv ? { token_env: opts.tokenEnv } : {}),
        ...(opts.tokenFile ? { token_file: opts.tokenFile } : {}),
      }
    : { ssh: parseSshTarget(opts.ssh ?? '') };
  if (tags?.length) device.tags = tags;
  if (opts.description) device.description = opts.description;
  const settings = await resolveCliConfig(flagsOf(opts), defaultCliConfigDeps());
  const file = settings.fleet.value;
  try {
    await editFleetFile(file, (editor, current) => {
      if (current.devices[name]) throw new FleetError('USAGE', `${file} already has a device named ${name}`);
      editor.set(['devices', name], device);
    });
  } catch (error) {
    if (error instanceof FleetError && error.code === 'CONFIG_NOT_FOUND') {
      throw new FleetError(
        'CONFIG_NOT_FOUND',
        `${error.message} (mcp-fleet init makes one, or give --config)`,
      );
    }
    throw error;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ added: name, file, device })}\n`);
    return;
  }
  const note =
    opts.url && !opts.tokenEnv && !opts.tokenFile
      ? '\nnote: no --token-env or --token-file, so the hub calls this agent without a token'
      : '';
  process.stdout.write(`added ${name} to ${file}; a running hub picks it up by itself${note}\n`);
}

const STATE_DIR_HELP =
  "the hub's state directory (env MCP_FLEET_HUB_STATE_DIR; or state_dir in the CLI config)";

/**
 * `mcp-fleet devices`: `list` and `show` ask the running hub (every device it reaches, with
 * presence); `add` edits fleet.yaml; `enrolled` and `remove` work on the hub's state directory
 * (devices that enrolled with `agent join`). `list` given a state directory (`--state-dir` or
 * MCP_FLEET_HUB_STATE_DIR) keeps its earlier meaning, the enrolled devices, so scripts written
 * for it go on working.
 */
export function registerDevicesCommand(program: Command, deps: () => RemoteDeps = defaultRemoteDeps): void {
  const act = <A extends unknown[]>(body: (...args: A) => Promise<number>) =>
    exitWith(body, (code) => deps().setExitCode(code));
  const devices = program
    .command('devices')
    .description('Devices: the hub’s view (list, show), fleet.yaml (add), enrolled ones (enrolled, remove)');

  withHubOptions(
    devices
      .command('list')
      .description('Every device the running hub reaches: presence, connector, address, tags, last error')
      .argument('[targets]', 'only these devices (a name, pi-*, tag:x, group:y …)', 'all')
      .option(
        '--state-dir <dir>',
        'list the enrolled devices of this state directory instead (as MCP_FLEET_HUB_STATE_DIR does)',
      ),
    'print fleet_devices’ result as JSON',
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet devices list
  mcp-fleet devices list tag:pi --json
  mcp-fleet devices enrolled                     # only the devices enrolled by 'agent join'`,
    )
    .action(
      act(async (targets: string, opts: HubOptionValues & StateDirOptions) => {
        const d = deps();
        if (opts.stateDir !== undefined || d.io.env[CLI_ENV.stateDir]) {
          await listEnrolled(opts);
          return EXIT.ok;
        }
        return hubDevices(d, opts, targets, (rows, style) => {
          d.io.stdout.write(renderDeviceTable(rows, style, Date.now()));
          return EXIT.ok;
        });
      }),
    );

  withHubOptions(
    devices
      .command('show')
      .description('One device as the hub sees it: state and since when, connector, address, last error')
      .argument('<name>', 'the device name'),
    'print its fleet_devices entry as JSON',
  )
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-fleet devices show pi-kitchen\n  mcp-fleet devices show nas --json',
    )
    .action(
      act(async (name: string, opts: HubOptionValues) => {
        const d = deps();
        return hubDevices(d, opts, name, (rows, style) => {
          const row = rows.find((r) => r.name === name) ?? rows[0];
          if (!row) throw new FleetError('USAGE', `the hub has no device named ${name}`);
          d.io.stdout.write(renderDeviceDetail(row, style, Date.now()));
          return EXIT.ok;
        });
      }),
    );

  devices
    .command('add')
    .description('Add a device to fleet.yaml (comments kept); a running hub reloads the file by itself')
    .argument('<name>', 'the device name: letters, digits, _ . -')
    .option('--url <url>', "an agent's MCP endpoint, e.g. http://pi-1.lan:8222/mcp")
    .option('--ssh <user@host[:port]>', 'a machine reached over SSH, nothing installed (docs/ssh.md)')
    .option('--token-env <VAR>', 'for --url: the variable holding the agent token (on the hub)')
    .option('--token-file <file>', 'for --url: the file holding the agent token (on the hub)')
    .option('--tags <a,b>', 'tags, comma-separated')
    .option('--description <text>', 'a description')
    .option(
      '-c, --config <file>',
      'fleet.yaml (env MCP_FLEET_HUB_CONFIG; default ~/.config/mcp-fleet/fleet.yaml)',
    )
    .option('--json', 'print {added, file, device} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet devices add pi-kitchen --url http://192.168.1.20:8222/mcp --token-env PI_KITCHEN_TOKEN --tags pi
  mcp-fleet devices add garage-pi --ssh pi@192.168.1.31 --tags pi
  mcp-fleet devices add nas --ssh admin@nas.lan:2222 -c /etc/mcp-fleet/fleet.yaml

The whole file is validated before it is written (atomically); an SSH host's key must be in
known_hosts (docs/ssh.md).`,
    )
    .action(addDevice);

  devices
    .command('enrolled')
    .description(
      "Devices enrolled with the hub by 'mcp-fleet agent join': name, url, tags (never the credential)",
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--json', 'print {devices: [{name, url, tags, enrolled_at}]} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet devices enrolled
  mcp-fleet devices enrolled --json --state-dir /var/lib/mcp-fleet/hub`,
    )
    .action(listEnrolled);

  devices
    .command('remove')
    .description(
      'Forget a device: an enrolled one (its credential stops working everywhere), else one of fleet.yaml',
    )
    .argument('<name>', 'the device name')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option(
      '--config <file>',
      "fleet.yaml (env MCP_FLEET_HUB_CONFIG; default: the CLI config's fleet, or ~/.config/mcp-fleet/fleet.yaml)",
    )
    .option('--json', 'print {removed: name, from: file} as JSON')
    .addHelpText(
      'after',
      `
The hub held the only copy of the credential and the agent keeps just its hash, so removal
revokes it for good; to enroll the machine again, make a new join token and join again.
A device that is not enrolled is removed from fleet.yaml instead (what devices add wrote;
comments and the rest of the file are kept), and a running hub drops it on its reload.

Examples:
  mcp-fleet devices remove pi-3
  mcp-fleet token create --join                  # then, on pi-3: mcp-fleet agent join …`,
    )
    .action(removeDevice);
}

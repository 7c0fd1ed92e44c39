import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import { createEnrolledStore, enrolledPath, hubStateDir } from '../hub/enroll/index.js';

interface DevicesOptions {
  stateDir?: string;
  json?: boolean;
}

const storeFor = (opts: DevicesOptions) =>
  createEnrolledStore(enrolledPath(hubStateDir(process.env, opts.stateDir)));

/** Left-aligned columns, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function listDevices(opts: DevicesOptions): Promise<void> {
  const devices = await storeFor(opts).load();
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
    `${table([header, ...rows.map((r) => [r.name, r.url, r.tags.join(',') || '-', r.enrolled_at])])}\n`,
  );
}

async function removeDevice(name: string, opts: DevicesOptions): Promise<void> {
  const store = storeFor(opts);
  if (!(await store.remove(name))) {
    throw new FleetError('USAGE', `no enrolled device named ${name} in ${store.path}`, { name });
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ removed: name })}\n`);
    return;
  }
  process.stdout.write(
    `removed ${name}: its credential is revoked (a running hub drops the device when enrolled.json changes)\n`,
  );
}

/** `mcp-fleet devices`: the devices that enrolled themselves with this hub (not fleet.yaml's). */
export function registerDevicesCommand(program: Command): void {
  const devices = program
    .command('devices')
    .description(
      "Devices enrolled with this hub by 'mcp-fleet agent join' (fleet.yaml devices are not listed)",
    );
  devices
    .command('list')
    .description('List enrolled devices: name, url, tags, enrolled_at (never the credential)')
    .option('--state-dir <dir>', "the hub's state directory (env MCP_FLEET_HUB_STATE_DIR)")
    .option('--json', 'print {devices: [{name, url, tags, enrolled_at}]} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet devices list
  mcp-fleet devices list --json --state-dir /var/lib/mcp-fleet/hub`,
    )
    .action(listDevices);
  devices
    .command('remove')
    .description('Forget an enrolled device; its credential stops working everywhere')
    .argument('<name>', 'the enrolled device name')
    .option('--state-dir <dir>', "the hub's state directory (env MCP_FLEET_HUB_STATE_DIR)")
    .option('--json', 'print {removed: name} as JSON')
    .addHelpText(
      'after',
      `
The hub held the only copy of the credential and the agent keeps just its hash, so removal
revokes it for good; to enroll the machine again, make a new join token and join again.

Examples:
  mcp-fleet devices remove pi-3
  mcp-fleet token create --join                  # then, on pi-3: mcp-fleet agent join …`,
    )
    .action(removeDevice);
}

import type { Command } from 'commander';
import { listClients } from '../clients/index.js';
import { clientsContext } from './clientsCommand.js';
import { defaultCliConfigDeps } from './config/index.js';
import { type Check, type ClientDrift, type DoctorDeps, runDoctorChecks } from './doctorChecks.js';
import { connectHub } from './remote/hubClient.js';
import { exitWith, flagsOf, type HubOptionValues, withHubOptions } from './remote/remoteContext.js';
import { colorEnabled, createStyle, type OutputStream, printable, type Style } from './remote/terminal.js';

/** The name `clients install` gives the hub entry by default. */
const HUB_ENTRY = 'fleet';

/**
 * The drift check of `clients`: every found AI client's hub entry against what `clients
 * install` would write now, in the context `clients` itself uses (same state files, same
 * launcher), so both see the same records.
 */
async function clientDrift(): Promise<ClientDrift> {
  const statuses = await listClients(clientsContext(), HUB_ENTRY);
  const locations = statuses.flatMap((s) => s.locations.map((l) => ({ ...l, label: s.label })));
  return {
    installed: locations.filter((l) => l.installed).length,
    drifted: locations
      .filter((l) => l.installed && l.drift.length > 0)
      .map((l) => ({ client: l.label, file: l.file, keys: l.drift })),
    errors: locations
      .filter((l) => l.error !== undefined)
      .map((l) => ({ client: l.label, file: l.file, error: l.error ?? '' })),
  };
}

const MARK: Record<Check['status'], (s: Style) => string> = {
  ok: (s) => s.ok('✓'),
  fail: (s) => s.fail('✗'),
  skip: (s) => s.dim('-'),
};

/** One line per check, `✓ title: detail`, and under a failed or skipped one its fix. */
export function renderChecks(checks: readonly Check[], style: Style): string {
  const lines: string[] = [];
  for (const c of checks) {
    const detail = printable(c.detail).split('\n');
    lines.push(`${MARK[c.status](style)} ${style.bold(c.title)}: ${detail[0] ?? ''}`);
    for (const more of detail.slice(1)) lines.push(`    ${more}`);
    if (c.fix && c.status !== 'ok') lines.push(`    ${style.dim('fix:')} ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(
    '',
    failed ? style.fail(`${failed} check${failed === 1 ? '' : 's'} failed`) : style.ok('all checks passed'),
  );
  return `${lines.join('\n')}\n`;
}

export async function doctor(
  opts: HubOptionValues & { config?: string },
  deps: DoctorDeps,
  out: OutputStream,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { checks, settings } = await runDoctorChecks(flagsOf(opts), deps);
  const failed = checks.some((c) => c.status === 'fail');
  if (opts.json) out.write(`${JSON.stringify({ ok: !failed, checks })}\n`);
  else {
    // With the config itself broken there is no color setting: only a terminal decides.
    const style = createStyle(colorEnabled(settings?.color.value ?? 'auto', out, env));
    out.write(renderChecks(checks, style));
  }
  return failed ? 1 : 0;
}

/** `mcp-fleet doctor`: is everything in place, and if not, what to do. */
export function registerDoctorCommand(program: Command): void {
  withHubOptions(
    program
      .command('doctor')
      .description('Check the setup: config, fleet.yaml, the hub, the token, every device, AI client entries')
      .option('-c, --config <file>', 'fleet.yaml (env MCP_FLEET_HUB_CONFIG)'),
    'print {ok, checks: [{id, status, title, detail, fix}]} as JSON',
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet doctor
  mcp-fleet doctor --hub http://hub.lan:7420/mcp --json

Each check is a line: ✓ passed, ✗ failed (with a fix), - skipped. Exit code 0 when none
failed, 1 otherwise.`,
    )
    .action(
      exitWith(async (opts: HubOptionValues & { config?: string }) =>
        doctor(
          opts,
          {
            config: defaultCliConfigDeps(),
            connect: connectHub,
            fetch: (url, init) => fetch(url, init),
            clientDrift,
          },
          process.stdout,
          process.env,
        ),
      ),
    );
}

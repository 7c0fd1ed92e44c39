import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { runArgv, safeName, UNIT_NAME } from './runArgv.js';
import { defineTool } from './toolDef.js';

const SHOW = ['ActiveState', 'SubState', 'LoadState', 'UnitFileState', 'Description'] as const;

/** `systemctl show` output (`Key=value` lines) as a map. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export const serviceTool = defineTool({
  name: 'service',
  title: 'Manage a systemd unit',
  description:
    'Status, start, stop, restart, reload, enable or disable a systemd unit (user units with user: true). ' +
    'Runs systemctl with an argument vector, never a shell.',
  input: z
    .object({
      unit: z.string().min(1).describe('Unit name, e.g. nginx or nginx.service'),
      action: z.enum(['status', 'start', 'stop', 'restart', 'reload', 'enable', 'disable']),
      user: z.boolean().default(false).describe('Act on the user manager (systemctl --user)'),
    })
    .strict(),
  output: z.object({
    unit: z.string(),
    action: z.string(),
    ok: z.boolean(),
    exit_code: z.number().nullable(),
    active_state: z.string().nullable(),
    sub_state: z.string().nullable(),
    load_state: z.string().nullable(),
    unit_file_state: z.string().nullable(),
    description: z.string().nullable(),
    output: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  isReadOnlyCall: (args) => args.action === 'status',
  requires: 'systemd',
  async prepare(args) {
    return { ...args, unit: safeName('unit', args.unit, UNIT_NAME) };
  },
  async run(args, ctx) {
    const base = ['systemctl', ...(args.user ? ['--user'] : [])];
    let exitCode: number | null = 0;
    let output = '';
    if (args.action !== 'status') {
      const r = await runArgv(ctx, [...base, args.action, '--', args.unit]);
      exitCode = r.exit_code;
      output = `${r.stdout}${r.stderr}`.trim();
    }
    const show = await runArgv(ctx, [...base, 'show', `--property=${SHOW.join(',')}`, '--', args.unit]);
    if (show.exit_code !== 0 && args.action === 'status') {
      throw new FleetError('EXEC_FAILED', `systemctl show failed: ${show.stderr.trim()}`);
    }
    const p = parseSystemctlShow(show.stdout);
    return {
      unit: args.unit,
      action: args.action,
      ok: exitCode === 0,
      exit_code: exitCode,
      active_state: p.ActiveState ?? null,
      sub_state: p.SubState ?? null,
      load_state: p.LoadState ?? null,
      unit_file_state: p.UnitFileState || null,
      description: p.Description ?? null,
      output,
    };
  },
  render: (r) =>
    `${r.unit}: ${r.action}${r.action === 'status' ? '' : r.ok ? ' ok' : ` failed (exit ${r.exit_code})`}; ` +
    `${r.active_state ?? '?'} (${r.sub_state ?? '?'}), ${r.unit_file_state ?? 'n/a'}, load ${r.load_state ?? '?'}` +
    (r.output ? `\n${r.output}` : ''),
});

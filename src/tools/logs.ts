import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { runArgv, safeName, UNIT_NAME } from './runArgv.js';
import { defineTool } from './toolDef.js';

/** Output lines, without the truncation marker the output cap may have put in the middle. */
function withoutMarker(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !/^…\[truncated \d+ bytes\]…$/.test(l));
}

export const logsTool = defineTool({
  name: 'logs',
  title: 'Read logs',
  description:
    'Recent log lines: from journald (optionally one unit, since a time, filtered by grep) where journalctl ' +
    'exists, otherwise the tail of a log file inside the allowed roots.',
  input: z
    .object({
      unit: z.string().min(1).optional(),
      file: z.string().min(1).optional().describe('A log file (absolute path inside the roots)'),
      since: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe('journalctl time, e.g. "1 hour ago" or "2026-01-01 10:00"'),
      lines: z.number().int().positive().max(10_000).default(100),
      grep: z
        .string()
        .min(1)
        .max(512)
        .optional()
        .describe(
          'Pattern lines must match: grep -E syntax for files, journalctl --grep (PCRE) for journald',
        ),
    })
    .strict(),
  output: z.object({
    source: z.enum(['journald', 'file']),
    lines: z.array(z.string()),
    notes: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async prepare(args, ctx) {
    if (args.unit !== undefined && args.file !== undefined) {
      throw new FleetError('INVALID_ARGUMENT', 'give unit or file, not both');
    }
    if (args.since?.startsWith('-')) throw new FleetError('INVALID_ARGUMENT', 'since must not start with -');
    const caps = await ctx.device.capabilities();
    if (args.file !== undefined) return { ...args, file: await ctx.resolvePath(args.file), journald: false };
    if (!caps.journald) {
      throw new FleetError(
        'UNAVAILABLE',
        'journald is not available on this device; give a log file instead',
      );
    }
    const unit = args.unit === undefined ? undefined : safeName('unit', args.unit, UNIT_NAME);
    return { ...args, unit, journald: true };
  },
  async run(args, ctx) {
    if (args.journald) {
      const argv = ['journalctl', '--no-pager', '--quiet', '--output=short-iso', '-n', String(args.lines)];
      if (args.unit) argv.push('-u', args.unit);
      if (args.since) argv.push(`--since=${args.since}`);
      if (args.grep) argv.push(`--grep=${args.grep}`);
      const r = await runArgv(ctx, argv);
      // journalctl exits 1 when --grep matched nothing.
      if (r.exit_code !== 0 && !(args.grep && r.exit_code === 1 && r.stderr === '')) {
        throw new FleetError('EXEC_FAILED', `journalctl failed: ${r.stderr.trim()}`);
      }
      const notes = r.truncated ? ['output over the cap: the middle was dropped'] : [];
      return { source: 'journald' as const, lines: withoutMarker(r.stdout), notes };
    }
    const file = args.file ?? '';
    const notes: string[] = [];
    if (args.since) notes.push('since is not applied to plain files');
    if (args.grep) {
      // grep(1) in a child, bounded by the call's timeout: a pathological pattern costs that
      // child, never the agent's event loop (a JS RegExp could backtrack for minutes).
      const r = await runArgv(ctx, ['grep', '-E', '-e', args.grep, '--', file]);
      if (r.exit_code === 2) throw new FleetError('INVALID_ARGUMENT', `grep: ${r.stderr.trim()}`);
      if (r.truncated) notes.push('matches over the output cap: the middle was dropped');
      return { source: 'file' as const, lines: withoutMarker(r.stdout).slice(-args.lines), notes };
    }
    const r = await ctx.device.readFile({
      path: file,
      tailLines: args.lines,
      maxBytes: ctx.policy.limits.max_file_bytes,
    });
    const lines = r.data.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { source: 'file' as const, lines: lines.slice(-args.lines), notes };
  },
  render: (r) =>
    [`${r.lines.length} lines from ${r.source}`, ...r.notes.map((n) => `(${n})`), ...r.lines].join('\n'),
});

import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { runArgv, safeName } from './runArgv.js';
import { defineTool } from './toolDef.js';

const UNIT = /^[A-Za-z0-9@._:\\-]{1,255}$/;

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
      grep: z.string().min(1).max(512).optional().describe('Regular expression lines must match'),
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
    let grep: RegExp | undefined;
    if (args.grep !== undefined) {
      try {
        grep = new RegExp(args.grep);
      } catch (error) {
        throw new FleetError(
          'INVALID_ARGUMENT',
          `grep is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    }
    if (args.since?.startsWith('-')) throw new FleetError('INVALID_ARGUMENT', 'since must not start with -');
    const caps = await ctx.device.capabilities();
    if (args.file !== undefined)
      return { ...args, grep, file: await ctx.resolvePath(args.file), journald: false };
    if (!caps.journald) {
      throw new FleetError(
        'UNAVAILABLE',
        'journald is not available on this device; give a log file instead',
      );
    }
    const unit = args.unit === undefined ? undefined : safeName('unit', args.unit, UNIT);
    return { ...args, grep, unit, journald: true };
  },
  async run(args, ctx) {
    if (args.journald) {
      const argv = ['journalctl', '--no-pager', '--quiet', '--output=short-iso', '-n', String(args.lines)];
      if (args.unit) argv.push('-u', args.unit);
      if (args.since) argv.push(`--since=${args.since}`);
      if (args.grep) argv.push(`--grep=${args.grep.source}`);
      const r = await runArgv(ctx, argv);
      // journalctl exits 1 when --grep matched nothing.
      if (r.exit_code !== 0 && !(args.grep && r.exit_code === 1 && r.stderr === '')) {
        throw new FleetError('EXEC_FAILED', `journalctl failed: ${r.stderr.trim()}`);
      }
      return { source: 'journald' as const, lines: r.stdout.split('\n').filter((l) => l !== ''), notes: [] };
    }
    const file = args.file ?? '';
    const notes: string[] = [];
    if (args.since) notes.push('since is not applied to plain files');
    const max = ctx.policy.limits.max_file_bytes;
    // Filtering needs more than the last N lines: search the last `max` bytes of the file.
    const size = args.grep ? (await ctx.device.stat(file)).size : 0;
    const r = await ctx.device.readFile({
      path: file,
      tailLines: args.grep ? undefined : args.lines,
      offset: args.grep ? Math.max(0, size - max) : undefined,
      maxBytes: max,
    });
    let lines = r.data.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (args.grep) {
      if (size > max) {
        lines.shift(); // a partial first line
        notes.push(`only the last ${max} bytes were searched`);
      }
      const re = args.grep;
      lines = lines.filter((l) => re.test(l));
    }
    return { source: 'file' as const, lines: lines.slice(-args.lines), notes };
  },
  render: (r) =>
    [`${r.lines.length} lines from ${r.source}`, ...r.notes.map((n) => `(${n})`), ...r.lines].join('\n'),
});

import { z } from 'zod';
import type { ExecSpec } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import { evaluateExec, resolveOutputCap, resolveTimeoutMs } from '../policy/index.js';
import { defineTool } from './toolDef.js';

export const ExecInput = z
  .object({
    command: z
      .string()
      .min(1)
      .optional()
      .describe('Command line run by /bin/sh -c (not in allow-list mode).'),
    argv: z.array(z.string()).min(1).optional().describe('Argument vector run without a shell.'),
    cwd: z.string().optional().describe('Working directory (absolute).'),
    env: z.record(z.string(), z.string()).optional().describe('Extra environment variables.'),
    stdin: z.string().optional().describe('Text written to the command’s standard input.'),
    timeout_s: z
      .number()
      .positive()
      .optional()
      .describe('Seconds before the process group is killed (default 30).'),
    max_output_bytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Cap per stream; head and tail are kept.'),
  })
  .strict()
  .refine((v) => (v.command === undefined) !== (v.argv === undefined), {
    message: 'give exactly one of command or argv',
  });

export const ExecOutput = z.object({
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  timed_out: z.boolean(),
  duration_ms: z.number(),
});

const PROGRESS_INTERVAL_MS = 250;
const PROGRESS_LINES = 5;

/** Remembers the last few output lines so progress notifications show where a command is. */
function lastLines(buffer: string, chunk: string): string {
  const joined = (buffer + chunk).slice(-4096);
  return joined
    .split('\n')
    .slice(-PROGRESS_LINES - 1)
    .join('\n');
}

export const execTool = defineTool({
  name: 'exec',
  title: 'Run a command',
  description:
    'Run a command on the device. `argv` runs without a shell; `command` runs with /bin/sh -c. ' +
    'On timeout or cancel the whole process group is killed. Output beyond the cap keeps head and tail.',
  input: ExecInput,
  output: ExecOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  async prepare(args, ctx): Promise<ExecSpec> {
    const verdict = evaluateExec(ctx.policy, { command: args.command, argv: args.argv, env: args.env });
    if (verdict.decision === 'deny') {
      throw new FleetError('POLICY_DENIED', verdict.reason, { rule: verdict.ruleId });
    }
    let cwd: string | undefined;
    if (args.cwd !== undefined) {
      // The working directory decides what `./script` means: it is a path like any other.
      cwd = await ctx.resolvePath(args.cwd);
      const stat = await ctx.device.stat(cwd).catch(() => null);
      if (stat?.type !== 'directory') {
        throw new FleetError('NOT_A_DIRECTORY', `cwd is not a directory: ${args.cwd}`, { path: args.cwd });
      }
    }
    const limits = {
      timeoutMs: resolveTimeoutMs(ctx.policy, args.timeout_s),
      maxOutputBytes: resolveOutputCap(ctx.policy, args.max_output_bytes),
    };
    // In allow-list mode the parsed argv runs without a shell, whatever form the caller used.
    const argv = verdict.argv ?? args.argv;
    const base = { cwd, env: args.env, stdin: args.stdin, ...limits };
    return argv !== undefined ? { ...base, argv } : { ...base, shell: args.command };
  },
  async run(spec, ctx) {
    let tail = '';
    let lastSent = 0;
    const onOutput = ctx.progress
      ? (_stream: 'stdout' | 'stderr', chunk: string) => {
          tail = lastLines(tail, chunk);
          const now = Date.now();
          if (now - lastSent < PROGRESS_INTERVAL_MS) return;
          lastSent = now;
          ctx.progress?.(tail.trimEnd());
        }
      : undefined;
    const result = await ctx.device.exec(spec, { signal: ctx.signal, onOutput });
    if (result.cancelled)
      throw new FleetError('CANCELLED', 'the call was cancelled; the process group was killed');
    return {
      exit_code: result.exit_code,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      truncated: result.truncated,
      timed_out: result.timed_out,
      duration_ms: result.duration_ms,
    };
  },
  // No durations in the text: the hub groups devices whose text is identical, and a timing
  // would make every device unique. `duration_ms` is in the structured result.
  render(r) {
    const head = r.timed_out
      ? 'timed out (process group killed)'
      : r.signal
        ? `killed by ${r.signal}`
        : `exit ${r.exit_code}`;
    const parts = [head + (r.truncated ? ' (output truncated)' : '')];
    if (r.stdout) parts.push(r.stdout.trimEnd());
    if (r.stderr) parts.push(`[stderr]\n${r.stderr.trimEnd()}`);
    return parts.join('\n');
  },
});

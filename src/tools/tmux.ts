import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import { evaluateExec, evaluateTool } from '../policy/index.js';
import { runArgv, safeName } from './runArgv.js';
import { defineTool } from './toolDef.js';

/** Sessions the agent manages carry this prefix, so it never touches a person's own sessions. */
export const TMUX_PREFIX = 'mcp-';
const SESSION = /^[A-Za-z0-9_-]{1,64}$/;

export const tmuxTool = defineTool({
  name: 'tmux',
  title: 'Long-lived processes in tmux',
  description:
    'Keep long-running processes (a dev server, a build) in tmux sessions named mcp-<session>: list them, ensure ' +
    'one exists (optionally running a command), send keys, capture the screen, or kill it.',
  input: z
    .object({
      action: z.enum(['list', 'ensure', 'send_keys', 'capture', 'kill']),
      session: z.string().optional().describe('Session name without the mcp- prefix (not needed for list)'),
      command: z.string().optional().describe('ensure: command the new session runs (by its shell)'),
      cwd: z.string().optional().describe('ensure: working directory of the new session'),
      keys: z.string().optional().describe('send_keys: text typed literally into the session'),
      enter: z.boolean().default(true).describe('send_keys: press Enter after the text'),
      lines: z.number().int().positive().max(10_000).default(100).describe('capture: lines of history'),
    })
    .strict(),
  output: z.object({
    action: z.string(),
    session: z.string().nullable(),
    sessions: z.array(
      z.object({ name: z.string(), windows: z.number(), attached: z.boolean(), created: z.string() }),
    ),
    created: z.boolean(),
    content: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true },
  isReadOnlyCall: (args) => args.action === 'list' || args.action === 'capture',
  requires: 'tmux',
  async prepare(args, ctx) {
    if (args.action === 'list') return { ...args, target: null, commandArgv: undefined };
    if (args.session === undefined)
      throw new FleetError('INVALID_ARGUMENT', `${args.action} needs a session`);
    const bare = args.session.startsWith(TMUX_PREFIX) ? args.session.slice(TMUX_PREFIX.length) : args.session;
    const target = TMUX_PREFIX + safeName('session', bare, SESSION);
    if (args.action === 'send_keys' && args.keys === undefined) {
      throw new FleetError('INVALID_ARGUMENT', 'send_keys needs keys');
    }
    // A session command and typed keys run commands: they need what exec needs (the exec
    // tool allowed, and the exec policy), so disabling exec cannot be bypassed through tmux.
    let commandArgv: string[] | undefined;
    const runsCommands = (args.action === 'ensure' && !!args.command) || args.action === 'send_keys';
    if (runsCommands) {
      const toolVerdict = evaluateTool(ctx.policy, { tool: 'exec', readOnly: false });
      if (toolVerdict.decision === 'deny') {
        throw new FleetError(
          'POLICY_DENIED',
          `tmux ${args.action} runs commands, and ${toolVerdict.reason}`,
          {
            rule: toolVerdict.ruleId,
          },
        );
      }
      if (args.action === 'send_keys' && ctx.policy.exec.mode === 'allow') {
        // Keys go to whatever runs in the pane (a shell, a REPL, an editor): no allow-list can judge them.
        throw new FleetError('POLICY_DENIED', 'send_keys is refused in allow-list mode', {
          rule: 'exec.allow.send_keys',
        });
      }
      const text = args.action === 'ensure' ? (args.command ?? '') : (args.keys ?? '');
      if (text !== '') {
        const verdict = evaluateExec(ctx.policy, { command: text });
        if (verdict.decision === 'deny') {
          throw new FleetError('POLICY_DENIED', verdict.reason, { rule: verdict.ruleId });
        }
        commandArgv = verdict.argv; // allow-list mode: run the parsed words, no shell
      }
    }
    const cwd = args.cwd === undefined ? undefined : await ctx.resolvePath(args.cwd);
    return { ...args, target, cwd, commandArgv };
  },
  async run(args, ctx) {
    const result = { action: args.action, session: args.target, sessions: [], created: false, content: '' };
    const exact = `=${args.target}`;
    const has = async () => (await runArgv(ctx, ['tmux', 'has-session', '-t', exact])).exit_code === 0;
    const check = (r: { exit_code: number | null; stderr: string }, what: string) => {
      if (r.exit_code !== 0) throw new FleetError('EXEC_FAILED', `tmux ${what} failed: ${r.stderr.trim()}`);
    };
    switch (args.action) {
      case 'list': {
        const r = await runArgv(ctx, [
          'tmux',
          'list-sessions',
          '-F',
          // `|`, not a tab: tmux prints a tab as `_` when the locale is not UTF-8 (an SSH
          // session without LANG), and `|` cannot occur in the names we give sessions.
          '#{session_name}|#{session_windows}|#{session_attached}|#{session_created}',
        ]);
        // No server running means no sessions, not an error.
        if (r.exit_code !== 0) return result;
        const sessions = r.stdout
          .split('\n')
          .map((l) => /^(.+)\|(\d+)\|(\d+)\|(\d+)$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .filter((m) => m[1]?.startsWith(TMUX_PREFIX) && SESSION.test(m[1].slice(TMUX_PREFIX.length)))
          .map(([, name, windows, attached, created]) => ({
            name: name ?? '',
            windows: Number(windows),
            attached: Number(attached) > 0,
            created: new Date(Number(created) * 1000).toISOString(),
          }));
        return { ...result, sessions };
      }
      case 'ensure': {
        if (await has()) return result;
        const argv = ['tmux', 'new-session', '-d', '-s', args.target ?? '', '-x', '200', '-y', '50'];
        if (args.cwd) argv.push('-c', args.cwd);
        // tmux runs one string with the user's shell; several words after `--` as an argv.
        if (args.commandArgv) argv.push('--', ...args.commandArgv);
        else if (args.command) argv.push('--', args.command);
        check(await runArgv(ctx, argv), 'new-session');
        return { ...result, created: true };
      }
      case 'send_keys': {
        if (!(await has())) throw new FleetError('NOT_FOUND', `no tmux session ${args.target}`);
        check(
          await runArgv(ctx, ['tmux', 'send-keys', '-t', `${exact}:`, '-l', '--', args.keys ?? '']),
          'send-keys',
        );
        if (args.enter)
          check(await runArgv(ctx, ['tmux', 'send-keys', '-t', `${exact}:`, 'Enter']), 'send-keys');
        return result;
      }
      case 'capture': {
        const r = await runArgv(ctx, [
          'tmux',
          'capture-pane',
          '-p',
          '-J',
          '-t',
          `${exact}:`,
          '-S',
          `-${args.lines}`,
        ]);
        if (r.exit_code !== 0) throw new FleetError('NOT_FOUND', `no tmux session ${args.target}`);
        return { ...result, content: r.stdout.replace(/\n+$/, '') };
      }
      case 'kill': {
        if (!(await has())) throw new FleetError('NOT_FOUND', `no tmux session ${args.target}`);
        check(await runArgv(ctx, ['tmux', 'kill-session', '-t', exact]), 'kill-session');
        return result;
      }
    }
  },
  render(r) {
    if (r.action === 'list') {
      return r.sessions.length === 0
        ? 'no mcp- tmux sessions'
        : r.sessions
            .map((s) => `${s.name} (${s.windows} windows${s.attached ? ', attached' : ''})`)
            .join('\n');
    }
    if (r.action === 'capture') return `${r.session}:\n${r.content}`;
    if (r.action === 'ensure') return `${r.session}: ${r.created ? 'created' : 'already running'}`;
    return `${r.session}: ${r.action} done`;
  },
});

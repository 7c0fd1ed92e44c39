import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import { registerCallCommand } from './callCommand.js';
import { collectEnv, encodeContent, parseSeconds, readAll, writeContent } from './remote/commandInput.js';
import {
  createRemoteContext,
  defaultRemoteDeps,
  exitWith,
  type HubOptionValues,
  positiveInt,
  type RemoteDeps,
  withHubOptions,
} from './remote/remoteContext.js';
import { runFleetTool } from './remote/runHubCall.js';
import { printable } from './remote/terminal.js';

const TARGETS = 'devices: a name, a glob (pi-*), tag:x, group:y, all; a,b lists; !x excludes, &x intersects';

interface ExecOptions extends HubOptionValues {
  shell?: boolean;
  cwd?: string;
  timeout?: number;
  env?: Record<string, string>;
  stdin?: boolean;
  lines: number;
}

interface WriteOptions extends HubOptionValues {
  content?: string;
  fromFile?: string;
  mode?: string;
  append?: boolean;
  backup?: boolean;
  ifSha256?: string;
}

/** `status`, `exec`, `read`, `write`, `logs`, `service`, `call`: the hub's tools, for people. */
export function registerRemoteCommands(program: Command, deps: () => RemoteDeps = defaultRemoteDeps): void {
  const act = <A extends unknown[]>(body: (...args: A) => Promise<number>) =>
    exitWith(body, (code) => deps().setExitCode(code));
  withHubOptions(
    program
      .command('status')
      .description('System status of devices: OS, uptime, load, memory, disk, temperature')
      .argument('[targets]', TARGETS, 'all'),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet status                      # every device
  mcp-fleet status tag:pi --json        # the full system_status of each Pi

Exit code: 0 all ok, 1 some device failed, 2 usage, config, unreachable hub or refused token.`,
    )
    .action(
      act(async (targets: string, opts: HubOptionValues) => {
        const ctx = await createRemoteContext(opts, deps());
        return runFleetTool(ctx, { tool: 'fleet_status', args: { targets }, kind: 'status', lines: 1 });
      }),
    );

  withHubOptions(
    program
      .command('exec')
      .description('Run a command on devices, in parallel; one row per device with its exit code and output')
      .argument('<targets>', TARGETS)
      .argument('<command...>', 'the command and its arguments, after --')
      .option(
        '--shell',
        'run the command (one quoted string) with /bin/sh -c instead of as an argument vector',
      )
      .option('--cwd <dir>', 'working directory on the device')
      .option(
        '--timeout <seconds>',
        'kill the command after this long (default: the hub’s per-device budget)',
        parseSeconds,
      )
      .option('--env <NAME=value>', 'extra environment variable (repeatable)', collectEnv)
      .option('--stdin', "send this program's standard input to the command")
      .option('--lines <n>', 'output lines shown per device', positiveInt('--lines'), 10),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet exec all -- uptime
  mcp-fleet exec tag:pi --timeout 120 -- apt-get -s upgrade
  mcp-fleet exec 'pi-*,!pi-3' --shell -- 'df -h / | tail -1'
  mcp-fleet exec nas --json -- zpool status

Exit code: 0 when every device ran it with exit code 0; 1 when some device failed or the
command exited non-zero there; 2 usage, config, unreachable hub or refused token.`,
    )
    .action(
      act(async (targets: string, command: string[], opts: ExecOptions) => {
        if (opts.shell && command.length !== 1) {
          throw new FleetError(
            'USAGE',
            "with --shell give the command as one quoted string: --shell -- 'a | b'",
          );
        }
        const d = deps();
        const ctx = await createRemoteContext(opts, d);
        const stdin = opts.stdin ? (await readAll(d.io.stdin)).toString('utf8') : undefined;
        const args: Record<string, unknown> = {
          targets,
          ...(opts.shell ? { command: command[0] } : { argv: command }),
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
          ...(opts.timeout !== undefined ? { timeout_s: opts.timeout } : {}),
          ...(opts.env ? { env: opts.env } : {}),
          ...(stdin !== undefined ? { stdin } : {}),
        };
        return runFleetTool(ctx, {
          tool: 'fleet_exec',
          args,
          kind: 'exec',
          lines: opts.lines,
          ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 + 60_000 } : {}),
        });
      }),
    );

  withHubOptions(
    program
      .command('read')
      .description('Read a file on devices; from one device, its content as is')
      .argument('<targets>', TARGETS)
      .argument('<path>', 'absolute path on the device')
      .option('--tail <n>', 'only the last n lines', positiveInt('--tail'))
      .option('--lines <n>', 'content lines shown per device in the table', positiveInt('--lines'), 5),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet read pi-1 /etc/hostname             # one device: the content itself
  mcp-fleet read tag:pi /etc/os-release         # many: a table with size, sha256, first lines
  mcp-fleet read nas /var/log/syslog --tail 50`,
    )
    .action(
      act(async (targets: string, path: string, opts: HubOptionValues & { tail?: number; lines: number }) => {
        const d = deps();
        const ctx = await createRemoteContext(opts, d);
        const out = d.io.stdout;
        return runFleetTool(ctx, {
          tool: 'fleet_read_file',
          args: { targets, path, ...(opts.tail ? { tail_lines: opts.tail } : {}) },
          kind: 'read',
          lines: opts.lines,
          single(result) {
            if (typeof result.content !== 'string') return false;
            const content =
              result.encoding === 'base64'
                ? Buffer.from(result.content, 'base64')
                : Buffer.from(result.content);
            // On a terminal the content is made printable; into a pipe or a file it goes as it is.
            if (out.isTTY) out.write(printable(content.toString('utf8')));
            else out.write(content);
            return true;
          },
        });
      }),
    );

  withHubOptions(
    program
      .command('write')
      .description('Write a file on devices atomically, from --content, --from-file or standard input')
      .argument('<targets>', TARGETS)
      .argument('<path>', 'absolute path on the device')
      .option('--content <text>', 'the new content')
      .option('--from-file <file>', 'take the content from this local file')
      .option('--mode <octal>', 'permission bits, e.g. 0644')
      .option('--append', 'append instead of replacing')
      .option('--backup', 'keep the previous content as <path>.bak')
      .option('--if-sha256 <hash>', 'only if the current file has this sha256'),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet write tag:pi /etc/motd --content 'managed by mcp-fleet'
  mcp-fleet write pi-1 /etc/app.conf --from-file app.conf --backup
  echo 'x=1' | mcp-fleet write 'pi-*' /etc/app.d/x.conf`,
    )
    .action(
      act(async (targets: string, path: string, opts: WriteOptions) => {
        const d = deps();
        const data = await writeContent(opts, d.io.stdin);
        const ctx = await createRemoteContext(opts, d);
        return runFleetTool(ctx, {
          tool: 'fleet_write_file',
          args: {
            targets,
            path,
            ...encodeContent(data),
            ...(opts.mode ? { mode: opts.mode } : {}),
            ...(opts.append ? { append: true } : {}),
            ...(opts.backup ? { backup: true } : {}),
            ...(opts.ifSha256 ? { if_sha256: opts.ifSha256 } : {}),
          },
          kind: 'write',
          lines: 1,
        });
      }),
    );

  withHubOptions(
    program
      .command('logs')
      .description('Recent log lines of devices: journald (a unit) or a log file')
      .argument('<targets>', TARGETS)
      .option('--unit <unit>', 'a systemd unit (journald)')
      .option('--file <path>', 'a log file on the device instead of journald')
      .option('--lines <n>', 'how many lines (default 100)', positiveInt('--lines', 10_000))
      .option('--grep <regex>', 'only lines matching this pattern')
      .option('--since <time>', 'journald time, e.g. "1 hour ago"'),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet logs tag:pi --unit ssh --lines 20
  mcp-fleet logs nas --file /var/log/syslog --grep 'error|fail'
  mcp-fleet logs all --since '10 min ago' --json`,
    )
    .action(
      act(
        async (
          targets: string,
          opts: HubOptionValues & {
            unit?: string;
            file?: string;
            lines?: number;
            grep?: string;
            since?: string;
          },
        ) => {
          const ctx = await createRemoteContext(opts, deps());
          const args: Record<string, unknown> = { targets };
          if (opts.unit) args.unit = opts.unit;
          if (opts.file) args.file = opts.file;
          if (opts.lines) args.lines = opts.lines;
          if (opts.grep) args.grep = opts.grep;
          if (opts.since) args.since = opts.since;
          return runFleetTool(ctx, { tool: 'fleet_logs', args, kind: 'logs', lines: opts.lines ?? 100 });
        },
      ),
    );

  withHubOptions(
    program
      .command('service')
      .description('Status, start, stop, restart, reload, enable or disable a systemd unit on devices')
      .argument('<targets>', TARGETS)
      .argument('<action>', 'status, start, stop, restart, reload, enable or disable')
      .argument('<unit>', 'the unit, e.g. nginx or nginx.service')
      .option('--user', 'the user manager (systemctl --user)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet service tag:web status nginx
  mcp-fleet service pi-1 restart myapp.service

Exit code: 1 when the action failed on some device (its exit code is shown).`,
    )
    .action(
      act(
        async (targets: string, action: string, unit: string, opts: HubOptionValues & { user?: boolean }) => {
          const ctx = await createRemoteContext(opts, deps());
          return runFleetTool(ctx, {
            tool: 'fleet_service',
            args: { targets, action, unit, ...(opts.user ? { user: true } : {}) },
            kind: 'service',
            lines: 1,
          });
        },
      ),
    );
  registerCallCommand(program, deps);
}

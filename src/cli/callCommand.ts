import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import { EXIT, exitCodeFor, fleetEntries } from './remote/outcome.js';
import {
  createRemoteContext,
  exitWith,
  type HubOptionValues,
  type RemoteDeps,
  withHubOptions,
} from './remote/remoteContext.js';
import { callWithProgress, reportToolError, runToExitCode } from './remote/runHubCall.js';
import { printable } from './remote/terminal.js';

/**
 * `mcp-fleet call <tool> --args '{…}'`: any tool the hub lists (fleet tools, `recipe_*`,
 * `<server>__<tool>` passthrough), for what the dedicated commands do not cover. Prints the
 * tool's text (what a model reads); `--json` the whole result.
 */
export function registerCallCommand(program: Command, deps: () => RemoteDeps): void {
  const act = <A extends unknown[]>(body: (...args: A) => Promise<number>) =>
    exitWith(body, (code) => deps().setExitCode(code));
  withHubOptions(
    program
      .command('call')
      .description("Call any of the hub's tools with JSON arguments (fleet, recipe and passthrough tools)")
      .argument('[tool]', 'the tool name, e.g. fleet_exec, recipe_deploy, files__read_file')
      .option('--args <json>', 'the arguments as a JSON object', '{}')
      .option('--list', "list the hub's tools instead"),
    'print the whole result ({content, structuredContent, isError}) as JSON',
  )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet call --list
  mcp-fleet call fleet_devices
  mcp-fleet call fleet_exec --args '{"targets": "tag:pi", "argv": ["uptime"]}'
  mcp-fleet call recipe_deploy --args '{"targets": "web-1", "ref": "main"}' --json

Prints the tool's text; exit code 1 when it reports an error or a device failed.`,
    )
    .action(
      act(async (tool: string | undefined, opts: HubOptionValues & { args: string; list?: boolean }) => {
        const d = deps();
        const ctx = await createRemoteContext(opts, d);
        const out = d.io.stdout;
        if (opts.list) {
          return ctx.withHub(async (hub) => {
            const tools = await hub.listTools();
            if (ctx.json) out.write(`${JSON.stringify({ tools })}\n`);
            else out.write(tools.map((t) => `${t.name}\n`).join(''));
            return EXIT.ok;
          });
        }
        if (!tool) throw new FleetError('USAGE', 'name a tool (mcp-fleet call --list shows them)');
        let args: unknown;
        try {
          args = JSON.parse(opts.args);
        } catch (error) {
          throw new FleetError('USAGE', `--args is not JSON: ${(error as Error).message}`);
        }
        if (typeof args !== 'object' || args === null || Array.isArray(args)) {
          throw new FleetError('USAGE', '--args must be a JSON object');
        }
        return runToExitCode(ctx, () =>
          ctx.withHub(async (hub) => {
            const result = await callWithProgress(ctx, hub, { tool, args: args as Record<string, unknown> });
            if (result.isError) return reportToolError(ctx, result);
            if (ctx.json) out.write(`${JSON.stringify(result)}\n`);
            else {
              const text = result.content
                .map((c) => (c.type === 'text' ? (c.text ?? '') : `[${c.type}]`))
                .join('\n');
              out.write(`${printable(text).replace(/\n?$/, '\n')}`);
            }
            const entries = fleetEntries(result.structuredContent);
            return entries ? exitCodeFor(entries) : EXIT.ok;
          }),
        );
      }),
    );
}

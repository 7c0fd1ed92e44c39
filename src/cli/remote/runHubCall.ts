import { FleetError } from '../../errors/index.js';
import type { HubCallResult, HubConnection } from './hubClient.js';
import { EXIT, exitCodeFor, exitCodeForToolError, fleetEntries, parseToolError } from './outcome.js';
import { createProgressLine } from './progressLine.js';
import type { RemoteContext } from './remoteContext.js';
import { type RenderOptions, type ResultKind, renderResults } from './renderResults.js';
import { printable } from './terminal.js';

/** Exit code of a command stopped with Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

export interface CallSpec {
  tool: string;
  args: Record<string, unknown>;
  /** How long the call may go without a word from the hub (default: the client's). */
  timeoutMs?: number;
}

/**
 * Calls one hub tool with a progress token; while it runs, on a terminal, one status line on
 * stderr shows the hub's progress (`3/12 devices done`, or a single device's latest output),
 * erased before anything is printed. Ctrl-C cancels the call (the hub cancels the devices').
 */
export async function callWithProgress(
  ctx: RemoteContext,
  hub: HubConnection,
  spec: CallSpec,
): Promise<HubCallResult> {
  const line = createProgressLine(ctx.deps.io.stderr, ctx.interactive, `${spec.tool}: `);
  const abort = new AbortController();
  const stop = ctx.deps.onInterrupt(() => abort.abort());
  line.update('running…');
  try {
    return await hub.callTool(spec.tool, spec.args, {
      signal: abort.signal,
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      onProgress: (p) => {
        if (p.message) line.update(p.message);
      },
    });
  } finally {
    stop();
    line.clear();
  }
}

/** A tool error (`isError`) reported as one line, with `{error}` as JSON too; its exit code. */
export function reportToolError(ctx: RemoteContext, result: HubCallResult): number {
  const text = result.content.map((c) => c.text ?? '').join('\n');
  const error = parseToolError(text);
  if (ctx.json) ctx.deps.io.stdout.write(`${JSON.stringify({ error })}\n`);
  ctx.deps.io.stderr.write(`mcp-fleet: ${error.code}: ${printable(error.message)}\n`);
  return exitCodeForToolError(error.code);
}

/** Runs a call to its exit code, mapping Ctrl-C to 130 with one line. */
export async function runToExitCode(ctx: RemoteContext, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof FleetError && error.code === 'CANCELLED') {
      ctx.deps.io.stderr.write('mcp-fleet: cancelled\n');
      return EXIT_INTERRUPTED;
    }
    // The hub failed or timed out: its message is the whole story, a stack would add nothing.
    if (error instanceof FleetError && (error.code === 'UPSTREAM_ERROR' || error.code === 'TIMEOUT')) {
      ctx.deps.io.stderr.write(`mcp-fleet: ${printable(error.message)}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

export interface FleetToolRun extends CallSpec {
  kind: ResultKind;
  lines: number;
  /**
   * Prints a single device's result its own way instead of a table (read: the content itself);
   * returns false to fall back to the table.
   */
  single?: (result: Record<string, unknown>) => boolean;
}

/**
 * One fleet tool call as a command: the table (or `--json`, the structured result as the hub
 * returned it), and the exit code: 0 all ok, 1 some device failed, 2 refused as a whole.
 */
export function runFleetTool(ctx: RemoteContext, run: FleetToolRun): Promise<number> {
  return runToExitCode(ctx, () =>
    ctx.withHub(async (hub) => {
      const result = await callWithProgress(ctx, hub, run);
      if (result.isError) return reportToolError(ctx, result);
      const entries = fleetEntries(result.structuredContent);
      if (!entries)
        throw new FleetError('UPSTREAM_ERROR', `the hub's ${run.tool} answered without per-device results`);
      const out = ctx.deps.io.stdout;
      if (ctx.json) {
        out.write(`${JSON.stringify(result.structuredContent)}\n`);
      } else {
        const only = entries.length === 1 ? entries[0] : undefined;
        const handled = only?.ok && only.result && run.single ? run.single(only.result) : false;
        if (!handled) {
          const options: RenderOptions = { style: ctx.style, lines: run.lines };
          out.write(renderResults(run.kind, entries, options));
        }
      }
      return exitCodeFor(entries);
    }),
  );
}

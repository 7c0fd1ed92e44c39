import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import type { AuditSink } from '../audit/index.js';
import type { Device } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import { evaluatePath, evaluateTool, type Policy, requestedPathDenial } from '../policy/index.js';
import type { ListedTool, ToolCatalog } from './catalog.js';
import type { ToolContext } from './toolDef.js';

export interface ToolCallResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface CallOptions {
  principal: string;
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export interface PipelineDeps {
  catalog: ToolCatalog;
  device: Device;
  /** Read per call, so a reloaded config applies to the next call without a restart. */
  policy: () => Policy;
  audit: AuditSink;
  /** Defects (not tool errors) are reported here. */
  onDefect?: (error: unknown, tool: string) => void;
  now?: () => number;
}

export interface ToolPipeline {
  /** The wire listing: tools the device can serve and the policy lets somebody call. */
  list(): Promise<ListedTool[]>;
  call(name: string, rawArgs: unknown, options: CallOptions): Promise<ToolCallResult>;
  /**
   * Cancels every call in flight (their process groups are killed) and resolves when they
   * have all finished, or after `maxWaitMs`. For shutdown: nothing the agent started outlives it.
   */
  drain(maxWaitMs?: number): Promise<void>;
}

function zodIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

/**
 * The only way a tool runs: validate → policy (tool, then the tool's own paths and commands)
 * → run → audit. Every outcome, refusals included, leaves one audit line.
 */
export function createToolPipeline(deps: PipelineDeps): ToolPipeline {
  const now = deps.now ?? (() => performance.now());
  let inFlight = 0;
  const running = new Set<AbortController>();
  let settled: (() => void) | undefined;

  async function find(name: string) {
    const def = deps.catalog.tools.get(name);
    if (!def) return undefined;
    if (def.requires && !(await deps.device.capabilities())[def.requires]) return undefined;
    return def;
  }

  async function call(name: string, rawArgs: unknown, options: CallOptions): Promise<ToolCallResult> {
    const started = now();
    const def = await find(name);
    if (!def) {
      await deps.audit.record({
        principal: options.principal,
        tool: name,
        args: rawArgs,
        outcome: 'error',
        error_code: 'UNKNOWN_TOOL',
        duration_ms: Math.round(now() - started),
      });
      throw new FleetError('NOT_FOUND', `Unknown tool: ${name}`, { tool: name });
    }
    const policy = deps.policy();
    let rule: string | undefined;
    try {
      const parsed = def.input.safeParse(rawArgs ?? {});
      if (!parsed.success)
        throw new FleetError('INVALID_ARGUMENT', `invalid arguments: ${zodIssues(parsed.error)}`);
      const args = parsed.data;
      const readOnly = def.isReadOnlyCall?.(args) ?? def.annotations.readOnlyHint;
      const toolDecision = evaluateTool(policy, { tool: def.name, readOnly });
      rule = toolDecision.ruleId;
      if (toolDecision.decision === 'deny') {
        throw new FleetError('POLICY_DENIED', toolDecision.reason, { rule: toolDecision.ruleId });
      }
      if (inFlight >= policy.limits.max_concurrent) {
        throw new FleetError(
          'LIMIT_CONCURRENCY',
          `too many calls in flight (limit ${policy.limits.max_concurrent})`,
        );
      }
      inFlight++;
      const controller = new AbortController();
      running.add(controller);
      try {
        const ctx: ToolContext = {
          device: deps.device,
          policy,
          signal: options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal,
          progress: options.progress,
          async resolvePath(path) {
            // A path no canonicalisation can make valid (relative, NUL, over PATH_MAX) is refused
            // by the policy's rule before any I/O, so every refusal of a requested path names one.
            const invalid = requestedPathDenial(path);
            if (invalid !== undefined) {
              throw new FleetError('POLICY_DENIED', invalid.reason, { rule: invalid.ruleId });
            }
            const check = (real: string) => {
              const verdict = evaluatePath(policy.roots, real);
              if (verdict.decision === 'deny') {
                throw new FleetError('POLICY_DENIED', verdict.reason, { rule: verdict.ruleId, path: real });
              }
            };
            let real: string;
            try {
              real = await deps.device.realpath(path);
            } catch (error) {
              // Where resolution failed must be inside the roots for the failure to be reported:
              // otherwise the error would tell whether something outside the roots exists.
              const resolved = error instanceof FleetError ? error.data.resolved : undefined;
              if (typeof resolved === 'string') check(resolved);
              throw error;
            }
            check(real);
            return real;
          },
        };
        const prepared = def.prepare ? await def.prepare(args, ctx) : args;
        const output = await def.run(prepared, ctx);
        await deps.audit.record({
          principal: options.principal,
          tool: name,
          args: rawArgs,
          outcome: 'ok',
          duration_ms: Math.round(now() - started),
        });
        return { content: [{ type: 'text', text: def.render(output) }], structuredContent: output };
      } finally {
        inFlight--;
        running.delete(controller);
        if (inFlight === 0) settled?.();
      }
    } catch (error) {
      const fleet = error instanceof FleetError ? error : undefined;
      if (!fleet) deps.onDefect?.(error, name);
      const code = fleet?.code ?? 'INTERNAL';
      const errorRule = typeof fleet?.data.rule === 'string' ? fleet.data.rule : undefined;
      await deps.audit.record({
        principal: options.principal,
        tool: name,
        args: rawArgs,
        outcome: code === 'POLICY_DENIED' ? 'denied' : 'error',
        error_code: code,
        ...((errorRule ?? (code === 'POLICY_DENIED' ? rule : undefined)) ? { rule: errorRule ?? rule } : {}),
        duration_ms: Math.round(now() - started),
      });
      const message = fleet ? fleet.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
      const text = `${code}: ${message}${errorRule ? ` (rule ${errorRule})` : ''}`;
      return { content: [{ type: 'text', text }], isError: true };
    }
  }

  async function list(): Promise<ListedTool[]> {
    const policy = deps.policy();
    return deps.catalog.list(await deps.device.capabilities()).filter((tool) => {
      const def = deps.catalog.tools.get(tool.name);
      // A tool with some read-only calls (service status) stays listed in read_only mode.
      const canRead = def?.annotations.readOnlyHint === true || def?.isReadOnlyCall !== undefined;
      return evaluateTool(policy, { tool: tool.name, readOnly: canRead }).decision === 'allow';
    });
  }

  async function drain(maxWaitMs = 5000): Promise<void> {
    for (const controller of running) controller.abort('the agent is shutting down');
    if (inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        settled = resolve;
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  return { call, list, drain };
}

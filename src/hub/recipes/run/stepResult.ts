import { z } from 'zod';
import type { ToolCallResult } from '../../../tools/index.js';
import type { FanoutError } from '../../fanout.js';
import { agentError } from '../../fleetCall.js';
import type { ResolvedStep } from './resolveSteps.js';

/** Characters of output kept per step: enough to see why, small enough for many devices. */
export const OUTPUT_TAIL_CHARS = 1000;

const ErrorSchema = z.object({ code: z.string(), message: z.string() });

export const StepResultSchema = z.object({
  /** 1-based. */
  step: z.number().int(),
  tool: z.string(),
  label: z.string(),
  status: z.enum(['ok', 'failed', 'skipped']),
  /** True only for a step that ran and succeeded. */
  ok: z.boolean(),
  /** exec steps that ran: the command's exit code (null when killed by a signal). */
  exit_code: z.number().int().nullable().optional(),
  /** The tail of what the step printed (stdout, then stderr) or its tool's text. */
  output: z.string().optional(),
  error: ErrorSchema.optional(),
  /** Why a skipped step did not run. */
  reason: z.string().optional(),
});
export type StepResult = z.output<typeof StepResultSchema>;

/** A recipe tool's structured result: the fleet tools' shape, each device's `result` being its steps. */
export const RecipeResultSchema = z.object({
  summary: z.string(),
  tool: z.string(),
  targets: z.string(),
  results: z.array(
    z.object({
      device: z.string(),
      ok: z.boolean(),
      duration_ms: z.number(),
      result: z.object({ steps: z.array(StepResultSchema) }).optional(),
      error: ErrorSchema.optional(),
    }),
  ),
});

/** The last `max` characters, marked when cut, never splitting a surrogate pair. */
export function tail(text: string, max = OUTPUT_TAIL_CHARS): string {
  if (text.length <= max) return text;
  let cut = text.length - max;
  const first = text.charCodeAt(cut);
  if (first >= 0xdc00 && first <= 0xdfff) cut += 1;
  return `… (${cut} chars cut)\n${text.slice(cut)}`;
}

const base = (step: ResolvedStep) => ({ step: step.step, tool: step.tool, label: step.label });

export function skippedStep(step: ResolvedStep, reason: string): StepResult {
  return { ...base(step), status: 'skipped', ok: false, reason };
}

export function failedStep(step: ResolvedStep, error: FanoutError): StepResult {
  return { ...base(step), status: 'failed', ok: false, error };
}

/**
 * Judges one step's answer. A step fails on an `isError` result, an exec that exited non-zero,
 * was killed or timed out, and a tool that answered `ok: false` (a systemctl action that failed
 * is not an error result, but a deploy must not go on after it).
 */
export function stepOutcome(step: ResolvedStep, result: ToolCallResult): StepResult {
  if (result.isError) return failedStep(step, agentError(result));
  const structured = result.structuredContent ?? {};
  if (step.tool === 'exec') {
    const { exit_code, timed_out, signal, stdout, stderr } = structured as {
      exit_code?: number | null;
      timed_out?: boolean;
      signal?: string | null;
      stdout?: string;
      stderr?: string;
    };
    const streams = [stdout?.trimEnd(), stderr?.trimEnd() ? `[stderr]\n${stderr.trimEnd()}` : ''];
    const output = tail(streams.filter(Boolean).join('\n'));
    const ran = { ...base(step), exit_code: exit_code ?? null, ...(output ? { output } : {}) };
    if (timed_out)
      return {
        ...ran,
        status: 'failed',
        ok: false,
        error: { code: 'TIMEOUT', message: 'timed out; the process group was killed' },
      };
    if (exit_code !== 0) {
      const message = signal ? `killed by ${signal}` : `exit ${exit_code ?? 'unknown'}`;
      return { ...ran, status: 'failed', ok: false, error: { code: 'EXEC_FAILED', message } };
    }
    return { ...ran, status: 'ok', ok: true };
  }
  const text = tail(
    result.content
      .map((c) => c.text)
      .join('\n')
      .trimEnd(),
  );
  const ran = { ...base(step), ...(text ? { output: text } : {}) };
  if (structured.ok === false)
    return {
      ...ran,
      status: 'failed',
      ok: false,
      error: { code: 'EXEC_FAILED', message: `${step.tool} reported ok: false` },
    };
  return { ...ran, status: 'ok', ok: true };
}

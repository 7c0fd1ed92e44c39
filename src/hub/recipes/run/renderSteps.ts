import type { StepResult } from './stepResult.js';

/**
 * One device's steps as the model reads them: a line per step (`[2] exec …: exit 1`), with the
 * step's output indented under it. No durations, so devices that did the same group together.
 */
export function renderSteps(steps: readonly StepResult[]): string {
  return steps
    .map((s) => {
      const outcome =
        s.status === 'skipped'
          ? `skipped (${s.reason ?? 'not run'})`
          : s.status === 'ok'
            ? 'ok'
            : `${s.error?.code ?? 'FAILED'}: ${s.error?.message ?? 'failed'}`;
      const head = `[${s.step}] ${s.label}: ${outcome}`;
      const output = s.output?.trimEnd();
      return output ? `${head}\n${output.replace(/^/gm, '    ')}` : head;
    })
    .join('\n');
}

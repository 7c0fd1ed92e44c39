import { toFanoutError } from '../../fanout.js';
import type { DeviceCall, DeviceValue } from '../../fleetCall.js';
import { renderSteps } from './renderSteps.js';
import type { ResolvedStep } from './resolveSteps.js';
import { failedStep, type StepResult, skippedStep, stepOutcome } from './stepResult.js';

/**
 * Runs a recipe's steps on one device, in order. The first step that fails stops the device's
 * run: later steps are reported as skipped, never started. A step whose call throws (the device
 * went away, the call timed out or was cancelled) is a failed step like any other; when the
 * fan-out itself gave up on the device, it has already settled it and this value is dropped,
 * and no further step is started because the failure stops the loop.
 */
export async function runSteps(steps: readonly ResolvedStep[], call: DeviceCall): Promise<DeviceValue> {
  const done: StepResult[] = [];
  let failed: StepResult | undefined;
  for (const step of steps) {
    if (failed) {
      done.push(skippedStep(step, `step ${failed.step} failed`));
      continue;
    }
    if (step.skip !== undefined) {
      done.push(skippedStep(step, step.skip));
      continue;
    }
    let outcome: StepResult;
    try {
      outcome = stepOutcome(step, await call(step.tool, step.args));
    } catch (error) {
      outcome = failedStep(step, toFanoutError(error));
    }
    done.push(outcome);
    if (outcome.status === 'failed') failed = outcome;
  }
  const value = { result: { steps: done }, text: renderSteps(done) };
  if (!failed) return value;
  const why = failed.error ?? { code: 'INTERNAL', message: 'failed' };
  return {
    ...value,
    error: { code: why.code, message: `step ${failed.step} of ${steps.length} (${failed.tool}) failed` },
  };
}

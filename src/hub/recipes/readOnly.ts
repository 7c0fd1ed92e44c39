import type { z } from 'zod';
import type { AnyToolDef } from '../../tools/index.js';
import type { ResolvedStep } from './run/resolveSteps.js';
import type { Recipe } from './schema.js';
import { literalArgs } from './template.js';

/** Whether one agent call only reads: the tool's own per-call judgement, else its annotation. */
function callReadOnly(def: AnyToolDef | undefined, args: unknown): boolean {
  if (!def || def.name === 'exec') return false;
  if (def.annotations.readOnlyHint) return true;
  if (!def.isReadOnlyCall) return false;
  const input: z.ZodType = def.input;
  const parsed = input.safeParse(args);
  return parsed.success && def.isReadOnlyCall(parsed.data) === true;
}

/**
 * Whether every call of the recipe only reads, whatever its parameters: decides its listing
 * (viewers see it) and its annotations. A step whose read-only judgement depends on a parameter
 * (`action: "{action}"`) does not parse with the placeholder in place and so counts as writing.
 */
export function alwaysReadOnly(recipe: Recipe, tools: ReadonlyMap<string, AnyToolDef>): boolean {
  return recipe.steps.every(
    (step) => step.tool !== undefined && callReadOnly(tools.get(step.tool), literalArgs(step.args ?? {})),
  );
}

/**
 * Whether this call only reads: every step, with the call's values filled in. Steps switched off
 * by `if` count too, so a recipe needs the role of its most privileged step, whatever the flags.
 */
export function stepsReadOnly(
  steps: readonly ResolvedStep[],
  tools: ReadonlyMap<string, AnyToolDef>,
): boolean {
  return steps.every((s) => callReadOnly(tools.get(s.tool), s.args));
}

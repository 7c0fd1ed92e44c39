import { z } from 'zod';
import { FleetError } from '../../errors/index.js';
import type { Recipe, RecipeParam } from './schema.js';
import { type ParamValue, valueText } from './template.js';

/** Cap on a string value when the parameter sets no `max_length`: values become argv elements. */
export const DEFAULT_MAX_LENGTH = 4096;

/** C0 and C1 controls (newline, NUL, escape, …) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

const TARGETS_HELP =
  'Devices: a name, a glob (pi-*), tag:x, group:y or all; comma lists; !x excludes, &x intersects.';

/**
 * Why a value is refused whatever else the parameter allows, or undefined. A leading `-` turns
 * an argument into an option (`--upload-pack=…` to git), and a control character can end a line
 * in a log or a tmux pane; both are refused unless the recipe explicitly opts in to the dash.
 */
export function unsafeValue(param: RecipeParam, value: ParamValue): string | undefined {
  if (param.type !== 'boolean' && !param.allow_leading_dash && valueText(value).startsWith('-'))
    return 'may not start with "-" (it would read as an option; the recipe may set allow_leading_dash)';
  if (typeof value === 'string' && CONTROL.test(value))
    return 'may not contain control characters (newline, tab, NUL, …)';
  return undefined;
}

/**
 * The zod type one parameter's value must satisfy: its declared constraints (which also become
 * its JSON Schema) plus the rules of `unsafeValue`. Throws if `pattern` does not compile (the
 * schema reports that first).
 */
export function paramValueSchema(param: RecipeParam): z.ZodType<ParamValue> {
  const guard = (value: ParamValue, ctx: z.RefinementCtx) => {
    const why = unsafeValue(param, value);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  };
  switch (param.type) {
    case 'boolean':
      return z.boolean();
    case 'integer': {
      let n = z.number().int();
      if (param.minimum !== undefined) n = n.min(param.minimum);
      if (param.maximum !== undefined) n = n.max(param.maximum);
      return n.superRefine(guard);
    }
    case 'string': {
      if (param.enum) return z.enum(param.enum as [string, ...string[]]).superRefine(guard);
      let s = z.string().max(param.max_length ?? DEFAULT_MAX_LENGTH);
      if (param.min_length !== undefined) s = s.min(param.min_length);
      if (param.pattern !== undefined)
        s = s.regex(new RegExp(param.pattern, 'u'), `must match the pattern ${param.pattern}`);
      return s.superRefine(guard);
    }
  }
}

/** Why a (default) value does not satisfy its parameter, or undefined. */
export function checkParamValue(param: RecipeParam, value: ParamValue): string | undefined {
  let schema: z.ZodType<ParamValue>;
  try {
    schema = paramValueSchema(param);
  } catch {
    return undefined; // an invalid pattern is reported on its own
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join('; ');
}

/**
 * A recipe tool's input: `targets` (optional when the recipe has a default) plus one property per
 * parameter, required unless it has a default. Strict: an unknown argument is an error.
 */
export function recipeInputSchema(recipe: Recipe): z.ZodObject {
  const targets = z.string().min(1).max(4096);
  const shape: Record<string, z.ZodType> = {
    targets: recipe.targets
      ? targets.default(recipe.targets).describe(`${TARGETS_HELP} Default ${recipe.targets}.`)
      : targets.describe(TARGETS_HELP),
  };
  for (const [name, param] of Object.entries(recipe.params)) {
    let schema: z.ZodType = paramValueSchema(param);
    if (param.description) schema = schema.describe(param.description);
    if (param.default !== undefined) schema = (schema as z.ZodType<ParamValue>).default(param.default);
    shape[name] = schema;
  }
  return z.object(shape).strict();
}

/**
 * Validates a call's arguments against the recipe's input: every problem is named by its
 * parameter in one INVALID_ARGUMENT error, before anything runs anywhere.
 */
export function parseRecipeInput(
  schema: z.ZodObject,
  raw: unknown,
): { targets: string; values: Record<string, ParamValue> } {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.map(String).join('.') : '(arguments)'}: ${i.message}`,
    );
    const params = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))].filter(Boolean);
    throw new FleetError('INVALID_ARGUMENT', `invalid arguments: ${problems.join('; ')}`, { params });
  }
  const { targets, ...values } = parsed.data as Record<string, unknown>;
  return { targets: String(targets), values: values as Record<string, ParamValue> };
}

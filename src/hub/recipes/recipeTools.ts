import { z } from 'zod';
import type { AnyToolDef, ListedTool, ToolCallResult } from '../../tools/index.js';
import {
  type CallPlan,
  type FleetCallDeps,
  type FleetCallOptions,
  requestedMs,
  runPlannedCall,
} from '../fleetCall.js';
import type { RecipeSet } from './loadRecipes.js';
import { parseRecipeInput, recipeInputSchema } from './params.js';
import { alwaysReadOnly, stepsReadOnly } from './readOnly.js';
import { resolveSteps, stepCall, stepLabel } from './run/resolveSteps.js';
import { runSteps } from './run/runSteps.js';
import { RecipeResultSchema } from './run/stepResult.js';

/** Tool names of recipes: `recipe_<name>`, apart from fleet tools, compat names and `<server>__<tool>`. */
export const RECIPE_TOOL_PREFIX = 'recipe_';

/** A recipe as the hub lists and dispatches it. */
export interface RecipeToolDef {
  wire: ListedTool;
  /** Every call only reads, whatever the parameters (viewers see the tool). */
  readOnly: boolean;
  /** The file the recipe was written in. */
  source: string;
  /** Validates a call's arguments and fills the steps; throws INVALID_ARGUMENT before anything runs. */
  plan(raw: unknown): CallPlan;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema; // MCP's default dialect is 2020-12, which is what zod emits.
  return { ...json, type: 'object' as const };
}

/**
 * Builds one tool per recipe. Schemas are converted here, once per (re)load, never per call or
 * per listing. `tools` are the agent tools whose schemas the steps' arguments are checked against.
 */
export function createRecipeTools(
  recipes: RecipeSet,
  tools: ReadonlyMap<string, AnyToolDef>,
): Map<string, RecipeToolDef> {
  const outputSchema = jsonSchema(RecipeResultSchema, 'output');
  const defs = new Map<string, RecipeToolDef>();
  for (const { name, recipe, source } of recipes.values()) {
    const toolName = `${RECIPE_TOOL_PREFIX}${name}`;
    const input = recipeInputSchema(recipe);
    const readOnly = alwaysReadOnly(recipe, tools);
    const steps = recipe.steps.map((step, i) => {
      const { tool, args } = stepCall(step);
      return `${i + 1}. ${stepLabel(tool, args)}${step.if ? ` (if ${step.if})` : ''}`;
    });
    const title = `${name} (recipe)`;
    defs.set(toolName, {
      wire: {
        name: toolName,
        title,
        description:
          `${recipe.description}\nA recipe: on every device the targets select, in parallel, these steps run in ` +
          `order, and the first that fails stops that device:\n${steps.join('\n')}`,
        inputSchema: jsonSchema(input, 'input'),
        outputSchema,
        annotations: { title, readOnlyHint: readOnly, destructiveHint: !readOnly, openWorldHint: true },
      },
      readOnly,
      source,
      plan(raw) {
        const { targets, values } = parseRecipeInput(input, raw);
        const resolved = resolveSteps(recipe, values, tools);
        return {
          targets,
          readOnly: stepsReadOnly(resolved, tools),
          work: {
            requestedMs: resolved.filter((s) => s.skip === undefined).map((s) => requestedMs(s.args)),
            run: (call) => runSteps(resolved, call),
          },
        };
      },
    });
  }
  return defs;
}

/** One upstream call of a recipe tool: the fleet tools' machinery (see `runPlannedCall`). */
export function callRecipe(
  def: RecipeToolDef,
  raw: unknown,
  options: FleetCallOptions,
  deps: FleetCallDeps,
): Promise<ToolCallResult> {
  return runPlannedCall(def.wire.name, raw, () => def.plan(raw), options, deps);
}

import type { z } from 'zod';
import { FleetError } from '../../../errors/index.js';
import type { AnyToolDef } from '../../../tools/index.js';
import type { Recipe, RecipeStep } from '../schema.js';
import { type ParamValue, parseTemplate, renderArgs, renderTemplate, type Template } from '../template.js';

/** One step with its parameters filled in: the agent call it makes on every device. */
export interface ResolvedStep {
  /** 1-based, as people count steps. */
  step: number;
  /** The agent tool it calls (`exec` for exec steps). */
  tool: string;
  args: Record<string, unknown>;
  /** A short description for the text: the argv, or the tool and its arguments. */
  label: string;
  /** Why it does not run (its `if` is false); absent when it runs. */
  skip?: string;
}

const MAX_LABEL = 200;

function template(text: string): Template {
  const parsed = parseTemplate(text);
  // The schema refused such a recipe at load; reaching this is a defect, not bad input.
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.template;
}

/** `a b 'c d'`-like, for reading only: quoting makes an element with spaces visibly one argument. */
function showWord(word: string): string {
  return word !== '' && /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(word) ? word : JSON.stringify(word);
}

/** The label of a step, from its written form (`{param}` visible) or its filled-in arguments. */
export function stepLabel(tool: string, args: Record<string, unknown>): string {
  const text =
    tool === 'exec' && Array.isArray(args.argv)
      ? `exec ${args.argv.map((w) => showWord(String(w))).join(' ')}`
      : [
          tool,
          ...Object.entries(args).map(
            ([k, v]) => `${k}=${typeof v === 'string' ? showWord(v) : JSON.stringify(v)}`,
          ),
        ].join(' ');
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

/** The agent call a step makes, written form: exec steps become the exec tool's own arguments. */
export function stepCall(step: RecipeStep): { tool: string; args: Record<string, unknown> } {
  if (step.exec === undefined) return { tool: step.tool ?? '', args: step.args ?? {} };
  return {
    tool: 'exec',
    args: {
      argv: step.exec,
      ...(step.cwd !== undefined ? { cwd: step.cwd } : {}),
      ...(step.env !== undefined ? { env: step.env } : {}),
      ...(step.timeout_s !== undefined ? { timeout_s: step.timeout_s } : {}),
    },
  };
}

function fill(step: RecipeStep, values: Readonly<Record<string, ParamValue>>) {
  if (step.exec === undefined) {
    const { tool, args } = stepCall(step);
    return { tool, args: renderArgs(args, values) as Record<string, unknown> };
  }
  // Each argv element stays one element whatever its value holds (spaces, `;`, quotes): there
  // is no shell to split it, and the text is never parsed again.
  const text = (t: string) => renderTemplate(template(t), values);
  const { args } = stepCall({
    ...step,
    exec: step.exec.map(text),
    ...(step.cwd !== undefined ? { cwd: text(step.cwd) } : {}),
    ...(step.env !== undefined
      ? { env: Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, text(v)])) }
      : {}),
  });
  return { tool: 'exec', args };
}

/**
 * Fills every step with the call's (validated) values, decides which steps run, and checks each
 * running step's arguments against the agent tool's schema here, once: a call that would fail
 * on every device is refused before anything runs anywhere.
 */
export function resolveSteps(
  recipe: Recipe,
  values: Readonly<Record<string, ParamValue>>,
  tools: ReadonlyMap<string, AnyToolDef>,
): ResolvedStep[] {
  return recipe.steps.map((step, i) => {
    const { tool, args } = fill(step, values);
    const resolved: ResolvedStep = { step: i + 1, tool, args, label: stepLabel(tool, args) };
    if (step.if !== undefined) {
      const name = step.if.replace(/^!/, '');
      const value = values[name] === true;
      if (value === step.if.startsWith('!'))
        return { ...resolved, skip: `if ${step.if}: ${name} is ${value}` };
    }
    const def = tools.get(tool);
    if (!def) throw new FleetError('UNAVAILABLE', `step ${i + 1}: the hub has no agent tool ${tool}`);
    const input: z.ZodType = def.input;
    const parsed = input.safeParse(args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (x) => `${x.path.map(String).join('.') || '(arguments)'}: ${x.message}`,
      );
      throw new FleetError('INVALID_ARGUMENT', `step ${i + 1} (${tool}): ${issues.join('; ')}`, {
        step: i + 1,
      });
    }
    return resolved;
  });
}

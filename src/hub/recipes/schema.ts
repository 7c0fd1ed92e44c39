import { z } from 'zod';
import { checkParamValue, DEFAULT_MAX_LENGTH } from './params.js';
import { PARAM_NAME, parseTemplate, placeholders, stringsIn } from './template.js';

/** Recipe names become tool names `recipe_<name>` (at most 55 characters, as MCP allows). */
export const RECIPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

/**
 * Tool arguments that a shell or an interactive program reads as a command line (tmux runs
 * `command` with the user's shell and types `keys` into the pane). Parameters are never
 * substituted into them: a value there would be code, whatever its validation said.
 */
export const SHELL_ARGUMENTS: Readonly<Record<string, readonly string[]>> = { tmux: ['command', 'keys'] };

const Description = z.string().min(1).max(1000);

const StringParam = z
  .object({
    type: z.literal('string'),
    description: Description.optional(),
    /** A JavaScript (and JSON Schema) regular expression; unanchored unless it says ^…$. */
    pattern: z
      .string()
      .min(1)
      .refine((p) => compiles(p), 'pattern is not a valid regular expression')
      .optional(),
    enum: z.array(z.string()).min(1).optional(),
    min_length: z.number().int().nonnegative().optional(),
    max_length: z.number().int().positive().max(65_536).optional(),
    /** Lets a value start with `-`; off, because such a value reads as an option (`--upload-pack=…`). */
    allow_leading_dash: z.boolean().default(false),
    default: z.string().optional(),
  })
  .strict();

const IntegerParam = z
  .object({
    type: z.literal('integer'),
    description: Description.optional(),
    minimum: z.number().int().optional(),
    maximum: z.number().int().optional(),
    /** Lets a negative value through; `-5` alone in an argv reads as an option. */
    allow_leading_dash: z.boolean().default(false),
    default: z.number().int().optional(),
  })
  .strict();

const BooleanParam = z
  .object({
    type: z.literal('boolean'),
    description: Description.optional(),
    default: z.boolean().optional(),
  })
  .strict();

export const RecipeParamSchema = z
  .discriminatedUnion('type', [StringParam, IntegerParam, BooleanParam])
  .superRefine((param, ctx) => {
    if (
      param.type === 'string' &&
      param.enum &&
      (param.pattern !== undefined || param.min_length !== undefined || param.max_length !== undefined)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['enum'],
        message: 'enum lists every allowed value; pattern, min_length and max_length do not apply',
      });
    if (param.type === 'string' && (param.min_length ?? 0) > (param.max_length ?? DEFAULT_MAX_LENGTH))
      ctx.addIssue({ code: 'custom', path: ['min_length'], message: 'min_length is above max_length' });
    if (param.type === 'integer' && (param.minimum ?? -Infinity) > (param.maximum ?? Infinity))
      ctx.addIssue({ code: 'custom', path: ['minimum'], message: 'minimum is above maximum' });
    if (param.default !== undefined) {
      const why = checkParamValue(param, param.default);
      if (why) ctx.addIssue({ code: 'custom', path: ['default'], message: `the default ${why}` });
    }
  });

const ParamName = z
  .string()
  .regex(PARAM_NAME, 'parameter name: a letter or _, then letters, digits, _ (1–64)')
  .refine((n) => n !== 'targets', '"targets" is reserved: every recipe tool takes it');

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/** `name` or `!name`: a boolean parameter that switches the step on (or, with `!`, off). */
const Condition = z.string().regex(/^!?[A-Za-z_][A-Za-z0-9_]*$/, 'if: a boolean parameter name, or !name');

export const RecipeStepSchema = z
  .object({
    /** An argument vector run by the agent's exec tool, never by a shell. */
    exec: z.array(z.string()).min(1).optional(),
    cwd: z.string().min(1).optional(),
    env: z.record(EnvName, z.string()).optional(),
    timeout_s: z.number().positive().max(604_800).optional(),
    /** Any other agent tool (service, tmux, logs, …) with its own arguments. */
    tool: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'tool: an agent tool name (service, tmux, logs, …)')
      .refine((t) => t !== 'exec', 'run commands with an exec: step (an argument vector, never a shell)')
      .optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    if: Condition.optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    if ((step.exec === undefined) === (step.tool === undefined))
      ctx.addIssue({ code: 'custom', message: 'a step needs exactly one of exec or tool' });
    if (step.tool !== undefined) {
      for (const key of ['cwd', 'env', 'timeout_s'] as const) {
        if (step[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} belongs to exec steps; put it in args`,
          });
      }
    }
    if (step.exec !== undefined && step.args !== undefined)
      ctx.addIssue({ code: 'custom', path: ['args'], message: 'args belong to tool steps' });
  });

export const RecipeSchema = z
  .object({
    description: Description,
    /** Default target expression when the caller gives none (still bounded by the caller's own targets). */
    targets: z.string().min(1).max(4096).optional(),
    params: z.record(ParamName, RecipeParamSchema).default({}),
    steps: z.array(RecipeStepSchema).min(1).max(64),
  })
  .strict()
  .superRefine((recipe, ctx) => {
    recipe.steps.forEach((step, i) => {
      const templated = [
        ...(step.exec ?? []).map((text, j) => ({ path: ['exec', j], text })),
        ...(step.cwd !== undefined ? [{ path: ['cwd'], text: step.cwd }] : []),
        ...Object.entries(step.env ?? {}).map(([k, text]) => ({ path: ['env', k], text })),
        ...stringsIn(step.args ?? {}, ['args']),
      ];
      const shell = SHELL_ARGUMENTS[step.tool ?? ''] ?? [];
      for (const { path, text } of templated) {
        const at = ['steps', i, ...path];
        const parsed = parseTemplate(text);
        if ('error' in parsed) {
          ctx.addIssue({ code: 'custom', path: at, message: parsed.error });
          continue;
        }
        const names = placeholders(parsed.template);
        for (const name of names) {
          if (!Object.hasOwn(recipe.params, name))
            ctx.addIssue({
              code: 'custom',
              path: at,
              message: `{${name}} names no parameter of this recipe`,
            });
        }
        if (names.length && path[0] === 'args' && shell.includes(String(path[1])))
          ctx.addIssue({
            code: 'custom',
            path: at,
            message: `${step.tool} ${String(path[1])} is run by a shell: parameters may not be substituted into it`,
          });
      }
      if (step.if !== undefined) {
        const name = step.if.replace(/^!/, '');
        const param = Object.hasOwn(recipe.params, name) ? recipe.params[name] : undefined;
        if (param?.type !== 'boolean')
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'if'],
            message: `if: "${name}" is not a boolean parameter of this recipe`,
          });
      }
    });
  });

/** Recipes by name, as fleet.yaml's `recipes:` and every recipe file hold them. */
export const RecipesSchema = z.record(
  z.string().regex(RECIPE_NAME, 'recipe name: a letter or digit, then letters, digits, _ - (1–48)'),
  RecipeSchema,
);

/** A file listed in fleet.yaml's `recipe_files`. */
export const RecipeFileSchema = z.object({ recipes: RecipesSchema.default({}) }).strict();

export type Recipe = z.output<typeof RecipeSchema>;
export type RecipeStep = z.output<typeof RecipeStepSchema>;
export type RecipeParam = z.output<typeof RecipeParamSchema>;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

import { z } from 'zod';
import { findUnsafeChar } from './shellWords.js';

/**
 * The policy an operator writes (in the config file) and every check reads. Objects are `.strict()`
 * so a misspelt key (`read_onyl: true`) is a config error instead of a silently ignored safety
 * setting. Nested objects use `.prefault({})` rather than `.default({})`: in zod 4 a default is
 * returned as-is without being parsed, so its inner defaults would not be filled; a prefault is
 * parsed like input.
 */

const RULE_ID = /^[a-z0-9][a-z0-9_.-]*$/i;

const ruleId = z.string().regex(RULE_ID, {
  error: 'rule id must start with a letter or digit and contain only letters, digits, _ . -',
});

const ExecAllowRuleSchema = z
  .object({
    id: ruleId,
    argv: z
      .array(z.string().min(1, { error: 'allow rule argv words must be non-empty' }))
      .min(1, { error: 'allow rule argv must name at least the program' })
      .superRefine((argv, ctx) => {
        // A word the input check would refuse can never match: say so now instead of a dead rule.
        for (const [index, word] of argv.entries()) {
          const unsafe = findUnsafeChar(word);
          if (unsafe !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message:
                `allow rule argv word ${JSON.stringify(word)} contains ${JSON.stringify(unsafe)}, ` +
                'which commands may never contain, so the rule could never match',
            });
          }
        }
        if (argv[0]?.includes('=')) {
          ctx.addIssue({ code: 'custom', path: [0], message: 'allow rule program name must not contain =' });
        }
      }),
    exact: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

const ExecDenyRuleSchema = z
  .object({
    id: ruleId,
    pattern: z
      .string()
      .min(1, { error: 'deny rule pattern must not be empty (it would match every command)' })
      .superRefine((pattern, ctx) => {
        const problem = regexProblem(pattern);
        if (problem !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message:
              `deny rule pattern ${JSON.stringify(pattern)} is not a valid JavaScript ` +
              `regular expression: ${problem}`,
          });
        }
      }),
    description: z.string().optional(),
  })
  .strict();

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function duplicateIds(rules: readonly { id: string }[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const { id } of rules) {
    if (seen.has(id)) dups.add(id);
    seen.add(id);
  }
  return [...dups];
}

const ExecSchema = z
  .object({
    mode: z.enum(['open', 'allow', 'deny']).default('open'),
    shell: z.boolean().default(true),
    allow: z.array(ExecAllowRuleSchema).default(() => []),
    deny: z.array(ExecDenyRuleSchema).default(() => []),
  })
  .strict()
  .superRefine((exec, ctx) => {
    // Rule ids become audit ruleIds (`exec.allow:<id>`); two rules with one id would be indistinguishable.
    for (const list of ['allow', 'deny'] as const) {
      for (const id of duplicateIds(exec[list])) {
        ctx.addIssue({ code: 'custom', path: [list], message: `duplicate ${list} rule id '${id}'` });
      }
    }
  });

const positiveInt = (what: string) =>
  z
    .number()
    .int({ error: `${what} must be an integer` })
    .positive({ error: `${what} must be positive` });

const MAX_TIMEOUT_S = 604_800;

const LimitsSchema = z
  .object({
    // Timers above 2^31-1 ms fire at once in Node: a week is far below that and above any sane call.
    default_timeout_s: positiveInt('limits.default_timeout_s')
      .max(MAX_TIMEOUT_S, { error: 'limits.default_timeout_s must be at most 604800 (7 days)' })
      .default(30),
    max_timeout_s: positiveInt('limits.max_timeout_s')
      .max(MAX_TIMEOUT_S, { error: 'limits.max_timeout_s must be at most 604800 (7 days)' })
      .default(300),
    max_output_bytes: positiveInt('limits.max_output_bytes').default(1_048_576),
    max_file_bytes: positiveInt('limits.max_file_bytes').default(8_388_608),
    max_concurrent: positiveInt('limits.max_concurrent').default(8),
    max_body_bytes: positiveInt('limits.max_body_bytes').default(16_777_216),
  })
  .strict()
  .refine((limits) => limits.default_timeout_s <= limits.max_timeout_s, {
    error: 'limits.default_timeout_s must not exceed limits.max_timeout_s',
    path: ['default_timeout_s'],
  });

const rootPath = z
  .string()
  .startsWith('/', { error: 'each root must be an absolute path starting with /' })
  .refine((root) => !root.includes('\0'), { error: 'a root must not contain a NUL character' });

/** Zod schema of the policy; parse the operator's config with it. */
export const PolicySchema = z
  .object({
    /** When true, only tools that do not change the machine may run. */
    read_only: z.boolean().default(false),
    tools: z
      .object({
        /** If present, only these tools are offered. */
        enabled: z.array(z.string().min(1)).optional(),
        disabled: z.array(z.string().min(1)).default(() => []),
      })
      .strict()
      .prefault({}),
    /**
     * `open`: any command. `deny`: any command not matching a deny regex (weak: a deny-list cannot
     * stop a determined caller). `allow`: only argv prefixes listed in `allow`, run without a shell.
     */
    exec: ExecSchema.prefault({}),
    /** Realpath'd directories file tools may touch (the caller canonicalises; policy does no I/O). */
    roots: z
      .array(rootPath)
      .min(1, { error: 'roots must list at least one directory' })
      .default(() => ['/']),
    limits: LimitsSchema.prefault({}),
  })
  .strict();

/** The parsed policy, defaults filled. */
export type Policy = z.infer<typeof PolicySchema>;
/** The policy as written by the operator (defaults optional). */
export type PolicyInput = z.input<typeof PolicySchema>;
/** One `exec.allow` rule. */
export type ExecAllowRule = Policy['exec']['allow'][number];
/** One `exec.deny` rule. */
export type ExecDenyRule = Policy['exec']['deny'][number];

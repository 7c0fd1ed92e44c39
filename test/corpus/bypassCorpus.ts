/**
 * The policy bypass corpus: exec allow-list attempts (execBypass.ts) and paths that try to leave
 * the file roots (pathBypass.ts), with the policy both are judged against and the issue's list
 * of categories, so a test can check that each is covered. Symlink swaps during a write are not
 * a fixed input but a race; test/integration/policyBypass.test.ts runs that one separately.
 */
import { BYPASS_ALLOW_RULES, type ExecBypassCategory } from './execBypass.js';
import type { PathBypassCategory } from './pathBypass.js';

/**
 * The corpus policy for a root directory: allow-list exec (BYPASS_ALLOW_RULES) and that one root.
 * Written as JSON, which is YAML, so it drops into agent.yaml or a fleet.yaml device.
 */
export function corpusPolicy(root: string) {
  return {
    roots: [root],
    exec: {
      mode: 'allow' as const,
      allow: BYPASS_ALLOW_RULES.map((rule) => ({ ...rule, argv: [...rule.argv] })),
    },
  };
}

/** Replaces every `{name}` placeholder with `values[name]`; an unknown placeholder is a corpus bug. */
export function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(marker|root|outside)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${whole} in ${JSON.stringify(text.slice(0, 60))}`);
    return value;
  });
}

/**
 * The issue's categories ("`$(…)`, backticks, `<(…)`, `;`, `&&`, `||`, `|`, newlines,
 * absolute-path variants, `X=1 cmd`, globs, quoted metacharacters, unicode lookalikes, symlink
 * swaps during a write, `/proc/self/root`, very long paths"), each with the corpus categories that
 * cover it; `symlink-swap` is covered by the race test rather than by cases.
 */
export const ISSUE_CATEGORIES: Readonly<
  Record<string, { exec?: readonly ExecBypassCategory[]; path?: readonly PathBypassCategory[] }>
> = {
  '$(…)': { exec: ['command-substitution'] },
  backticks: { exec: ['backticks'] },
  '<(…)': { exec: ['process-substitution'] },
  ';': { exec: ['semicolon'] },
  '&&': { exec: ['and-list'] },
  '||': { exec: ['or-list'] },
  '|': { exec: ['pipe'] },
  newlines: { exec: ['newline'], path: ['newline'] },
  'absolute-path variants': { exec: ['absolute-path'], path: ['absolute-outside'] },
  'X=1 cmd': { exec: ['env-assignment', 'environment'] },
  globs: { exec: ['glob'] },
  'quoted metacharacters': { exec: ['quoted-metachar'] },
  'unicode lookalikes': { exec: ['unicode-lookalike', 'invisible-character'], path: ['unicode-lookalike'] },
  '/proc/self/root': { path: ['proc-self-root', 'proc-fd'] },
  'very long paths': { path: ['very-long-path'] },
};

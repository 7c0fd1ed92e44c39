import type { Decision } from './decision.js';
import { allow, deny, forDisplay } from './decision.js';
import type { ExecAllowRule, Policy } from './schema.js';
import { checkArgv, parseCommandLine } from './shellWords.js';

/** What the caller wants to run: a `command` string (for `/bin/sh -c`) or an `argv` (no shell). */
export type ExecInput = { command?: string; argv?: string[]; env?: Record<string, string> };

/**
 * An exec decision. In `allow` mode an allowed decision carries `argv`: the caller must run exactly
 * that argv WITHOUT a shell (even when the input was a `command` string). Without `argv`, the caller
 * runs the input as given.
 */
export type ExecDecision = Decision & { argv?: string[] };

/** How many rule ids a no-match reason lists before summarising. */
const LISTED_RULES = 5;

/**
 * Decides whether a command may run.
 *
 * - `open`: anything (a `command` string is refused when `exec.shell` is false).
 * - `deny`: anything whose text (the command, or `argv.join(' ')`) matches no deny regex. This mode is
 *   WEAK and documented as such: a deny-list of patterns cannot stop a determined caller (quoting,
 *   variables, aliases, other binaries), it only catches mistakes.
 * - `allow`: the command is tokenized strictly (see `parseCommandLine`) and must start with one of the
 *   allowed argv prefixes; the returned argv is then run without a shell, so no shell syntax can take
 *   effect. Rules are tried in order and the first match decides.
 *
 * Exactly one of `command` and `argv` must be given, non-blank (else `exec.input`).
 */
export function evaluateExec(policy: Policy, input: ExecInput): ExecDecision {
  const { command, argv } = input;
  if ((command === undefined) === (argv === undefined)) {
    return deny('exec.input', 'exactly one of command or argv must be given');
  }
  if (command !== undefined && command.trim() === '') return deny('exec.input', 'the command is empty');
  if (argv !== undefined && (argv[0] === undefined || argv[0] === '')) {
    return deny('exec.input', 'argv must be non-empty and start with a program name');
  }

  const { exec } = policy;
  if (exec.mode === 'allow') {
    // PATH, LD_PRELOAD, GIT_CONFIG_* and friends change what an allowed argv does: an
    // allow-list that let the caller set the environment would allow anything.
    const names = Object.keys(input.env ?? {});
    if (names.length > 0) {
      return deny(
        'exec.allow.env',
        `setting environment variables (${forDisplay(names.join(', '))}) is refused in allow-list mode`,
      );
    }
    return evaluateAllowList(exec.allow, input);
  }

  if (command !== undefined && !exec.shell) {
    return deny(
      'exec.shell_disabled',
      'shell commands are disabled by policy (exec.shell is false); pass an argv instead',
    );
  }
  if (exec.mode === 'open') return allow('exec.open', 'exec mode is open: any command may run');

  const text = command ?? (argv ?? []).join(' ');
  for (const rule of exec.deny) {
    // Compiled per call: policy is pure and keeps no cache. The schema has checked the pattern compiles.
    if (new RegExp(rule.pattern).test(text)) {
      const why = rule.description === undefined ? '' : ` (${forDisplay(rule.description)})`;
      return deny(
        `exec.deny:${rule.id}`,
        `command '${forDisplay(text)}' is refused by deny rule '${rule.id}'${why}`,
      );
    }
  }
  return allow('exec.deny.none_matched', `command '${forDisplay(text)}' matches no deny rule`);
}

function evaluateAllowList(rules: readonly ExecAllowRule[], input: ExecInput): ExecDecision {
  const checked = input.command !== undefined ? parseCommandLine(input.command) : checkArgv(input.argv ?? []);
  if (!checked.ok) return deny('exec.allow.metachar', `command refused: ${checked.reason}`);
  const { argv } = checked;

  for (const rule of rules) {
    if (matches(rule, argv)) {
      return { ...allow(`exec.allow:${rule.id}`, `command allowed by rule '${rule.id}'`), argv };
    }
  }
  return deny('exec.allow.no_match', noMatchReason(rules, argv));
}

/** A rule matches when its argv is a prefix of the input (or equals it, for `exact` rules). */
function matches(rule: ExecAllowRule, argv: readonly string[]): boolean {
  if (rule.exact ? argv.length !== rule.argv.length : argv.length < rule.argv.length) return false;
  return rule.argv.every((word, index) => argv[index] === word);
}

/**
 * argv[0] is compared literally, never resolved: `ls` is whatever PATH finds and `/bin/ls` is one
 * file, and `./ls` is whatever sits in the working directory. Deciding they are "the same program"
 * would need I/O and would trust PATH and the working directory, so the operator names the form they
 * mean. When the mismatch is only that, the reason says so.
 */
function noMatchReason(rules: readonly ExecAllowRule[], argv: readonly string[]): string {
  const program = argv[0] ?? '';
  const shown = `command '${forDisplay(argv.join(' '))}' matches no allow rule`;
  const slash = program.lastIndexOf('/');
  if (slash >= 0) {
    const base = program.slice(slash + 1);
    const bare = rules.find((rule) => rule.argv[0] === base);
    if (bare !== undefined) {
      return (
        `${shown}: rule '${bare.id}' allows the bare program '${forDisplay(base)}', not the path ` +
        `'${forDisplay(program)}'; to allow the path, name it in the rule's argv`
      );
    }
  } else {
    const pathed = rules.find((rule) => (rule.argv[0] ?? '').endsWith(`/${program}`));
    if (pathed !== undefined) {
      const only = pathed.argv[0] ?? '';
      return `${shown}: rule '${pathed.id}' allows '${forDisplay(program)}' only as '${only}'`;
    }
  }
  if (rules.length === 0) return `${shown} (no commands are allowed)`;
  const ids = rules.slice(0, LISTED_RULES).map((rule) => rule.id);
  const more = rules.length > LISTED_RULES ? ` and ${rules.length - LISTED_RULES} more` : '';
  return `${shown} (allowed: ${ids.join(', ')}${more})`;
}

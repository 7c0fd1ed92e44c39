/**
 * The policy bypass corpus (test/corpus) at unit level: every exec case through `evaluateExec`,
 * and every path case policy decides without the filesystem through `requestedPathDenial`. The
 * integration test runs the whole corpus, filesystem cases included, through the real agent.
 */
import { describe, expect, it } from 'vitest';
import { corpusPolicy, fill } from '../../test/corpus/bypassCorpus.js';
import { EXEC_BYPASS_CASES, INPUT, META } from '../../test/corpus/execBypass.js';
import { PATH_BYPASS_CASES } from '../../test/corpus/pathBypass.js';
import { evaluateExec } from './exec.js';
import { evaluatePath, requestedPathDenial } from './roots.js';
import { PolicySchema } from './schema.js';

const policy = PolicySchema.parse(corpusPolicy('/srv/root'));
const values = { marker: '/tmp/mcpf-marker', root: '/srv/root', outside: '/srv/outside' };
const label = (text: string) => JSON.stringify(text).slice(0, 70);

describe('allow-list bypass corpus', () => {
  it('has well over 40 exec cases', () => {
    expect(EXEC_BYPASS_CASES.length).toBeGreaterThan(100);
  });

  it.each(
    EXEC_BYPASS_CASES.map(
      (c) => [c.category, label(c.input.command ?? JSON.stringify(c.input.argv)), c] as const,
    ),
  )('%s: denies %s', (_category, _label, c) => {
    const input = {
      ...(c.input.command !== undefined ? { command: fill(c.input.command, values) } : {}),
      ...(c.input.argv !== undefined ? { argv: c.input.argv.map((w) => fill(w, values)) } : {}),
      ...(c.input.env !== undefined ? { env: c.input.env } : {}),
    };
    const decision = evaluateExec(policy, input);
    expect(decision, c.why).toMatchObject({ decision: 'deny', ruleId: c.expectedRule });
    expect(decision.argv).toBeUndefined();
    // Reasons are one line of printable ASCII, whatever the input held.
    expect(decision.reason).toMatch(/^[\x20-\x7e]+$/);
  });

  it('refuses the inputs with nothing to run', () => {
    expect(evaluateExec(policy, { command: '' }).ruleId).toBe(INPUT);
    expect(evaluateExec(policy, { argv: [] }).ruleId).toBe(INPUT);
    expect(evaluateExec(policy, {}).ruleId).toBe(INPUT);
    expect(evaluateExec(policy, { command: 'ls', argv: ['ls'] }).ruleId).toBe(INPUT);
  });
});

describe('roots bypass corpus: what policy decides alone', () => {
  const lexical = PATH_BYPASS_CASES.filter((c) => c.lexical);

  it('has lexical cases for relative, NUL and over-long paths', () => {
    expect(new Set(lexical.map((c) => c.category))).toEqual(
      new Set(['relative', 'nul-byte', 'very-long-path']),
    );
  });

  it.each(lexical.map((c) => [c.category, label(c.path), c] as const))('%s: denies %s', (_cat, _label, c) => {
    expect(requestedPathDenial(fill(c.path, values)), c.why).toMatchObject({
      decision: 'deny',
      ruleId: c.expectedRule,
    });
  });

  it('leaves the filesystem cases to canonicalisation (they look harmless as text)', () => {
    for (const c of PATH_BYPASS_CASES.filter((x) => !x.lexical)) {
      expect(requestedPathDenial(fill(c.path, values)), c.path).toBeUndefined();
    }
  });
});

describe('allow-list: allowed cases', () => {
  it.each([
    ['ls -la /tmp', 'ls', ['ls', '-la', '/tmp']],
    ['ls', 'ls', ['ls']],
    ['ls\tid', 'ls', ['ls', 'id']], // tab separates words like a space
    ['git status', 'git-status', ['git', 'status']],
    ['systemctl status nginx', 'systemctl-status', ['systemctl', 'status', 'nginx']],
    ['echo "hello world"', 'echo', ['echo', 'hello world']],
    ["echo 'a=b' x@y:z+1^2,3", 'echo', ['echo', 'a=b', 'x@y:z+1^2,3']],
  ] as const)('allows %j by rule %s', (command, id, argv) => {
    expect(evaluateExec(policy, { command })).toMatchObject({
      decision: 'allow',
      ruleId: `exec.allow:${id}`,
      argv,
    });
  });

  it('allows a 10,000-character safe argument (length alone is not a bypass)', () => {
    const long = 'a'.repeat(10_000);
    const decision = evaluateExec(policy, { command: `echo ${long}` });
    expect(decision).toMatchObject({ decision: 'allow', ruleId: 'exec.allow:echo', argv: ['echo', long] });
    expect(decision.reason.length).toBeLessThan(200);
  });

  it('still refuses a metacharacter at the end of a 10,000-character argument', () => {
    expect(evaluateExec(policy, { command: `echo ${'a'.repeat(10_000)};id` }).ruleId).toBe(META);
  });

  it('allows the argv form of the same cases', () => {
    expect(evaluateExec(policy, { argv: ['echo', 'hello world'] })).toMatchObject({
      decision: 'allow',
      ruleId: 'exec.allow:echo',
    });
    expect(evaluateExec(policy, { argv: ['git', 'status'] }).ruleId).toBe('exec.allow:git-status');
  });
});

describe('evaluatePath refuses non-canonical strings (a caller that skipped realpath)', () => {
  const roots = ['/home/pi', '/tmp'];

  it.each([
    ['/home/pi/../../etc/shadow', 'roots.invalid_path'],
    ['/home/pi/..', 'roots.invalid_path'],
    ['/tmp/./../etc', 'roots.invalid_path'],
    ['..', 'roots.invalid_path'],
    ['home/pi', 'roots.invalid_path'],
    ['//etc/shadow', 'roots.invalid_path'],
    ['/home/pi/\0/../../etc', 'roots.invalid_path'],
    [`/home/pi/${'a/'.repeat(2500)}x`, 'roots.invalid_path'],
    ['/proc/self/root/etc/shadow', 'roots'],
    ['/home/pirate', 'roots'],
    ['/tmpfoo', 'roots'],
    ['/etc/shadow', 'roots'],
  ])('denies %j (%s)', (path, ruleId) => {
    expect(evaluatePath(roots, path)).toMatchObject({ decision: 'deny', ruleId });
  });

  it('does not let root /srv/data allow /srv/database', () => {
    expect(evaluatePath(['/srv/data'], '/srv/database')).toMatchObject({ decision: 'deny', ruleId: 'roots' });
  });

  it('denies a 5,000-character path even under a root', () => {
    expect(evaluatePath(['/'], `/${'a'.repeat(4999)}`)).toMatchObject({
      decision: 'deny',
      ruleId: 'roots.invalid_path',
    });
  });
});

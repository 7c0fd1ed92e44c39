import { describe, expect, it } from 'vitest';
import { evaluateExec } from './exec.js';
import type { PolicyInput } from './schema.js';
import { PolicySchema } from './schema.js';

const policy = (input: PolicyInput) => PolicySchema.parse(input);

const allowList = policy({
  exec: {
    mode: 'allow',
    allow: [
      { id: 'ls', argv: ['ls'] },
      { id: 'git-status', argv: ['git', 'status'], exact: true },
      { id: 'usr-rm', argv: ['/usr/bin/rm', '-i'] },
    ],
  },
});

describe('evaluateExec: input', () => {
  it.each([
    ['neither', {}],
    ['both', { command: 'ls', argv: ['ls'] }],
    ['empty command', { command: '' }],
    ['blank command', { command: ' \t' }],
    ['empty argv', { argv: [] }],
    ['empty program', { argv: ['', 'x'] }],
  ])('denies %s as exec.input in every mode', (_name, input) => {
    for (const mode of ['open', 'deny', 'allow'] as const) {
      expect(evaluateExec(policy({ exec: { mode } }), input)).toMatchObject({
        decision: 'deny',
        ruleId: 'exec.input',
      });
    }
  });
});

describe('evaluateExec: open mode', () => {
  it('allows commands and argv', () => {
    const p = policy({});
    expect(evaluateExec(p, { command: 'rm -rf / ; id' })).toMatchObject({
      decision: 'allow',
      ruleId: 'exec.open',
    });
    expect(evaluateExec(p, { argv: ['id'] })).toMatchObject({ decision: 'allow', ruleId: 'exec.open' });
  });

  it('refuses a shell command when shell is off, but allows argv', () => {
    const p = policy({ exec: { shell: false } });
    expect(evaluateExec(p, { command: 'id' })).toMatchObject({
      decision: 'deny',
      ruleId: 'exec.shell_disabled',
    });
    expect(evaluateExec(p, { argv: ['id'] }).decision).toBe('allow');
  });

  it('returns no argv: the caller runs its own input', () => {
    expect(evaluateExec(policy({}), { argv: ['id'] }).argv).toBeUndefined();
  });
});

describe('evaluateExec: deny mode', () => {
  const p = policy({
    exec: {
      mode: 'deny',
      deny: [
        { id: 'rm', pattern: '\\brm\\b', description: 'no deleting' },
        { id: 'shutdown', pattern: '^(shutdown|reboot)\\b' },
      ],
    },
  });

  it('denies the first matching rule by id', () => {
    const decision = evaluateExec(p, { command: 'rm -rf / && reboot' });
    expect(decision).toMatchObject({ decision: 'deny', ruleId: 'exec.deny:rm' });
    expect(decision.reason).toContain('no deleting');
    expect(evaluateExec(p, { command: 'reboot now' }).ruleId).toBe('exec.deny:shutdown');
  });

  it("tests argv joined with ' '", () => {
    expect(evaluateExec(p, { argv: ['sudo', 'rm', 'x'] }).ruleId).toBe('exec.deny:rm');
    expect(evaluateExec(p, { argv: ['echo', 'x', 'reboot'] }).ruleId).toBe('exec.deny.none_matched');
  });

  it('allows commands matching no rule', () => {
    expect(evaluateExec(p, { command: 'ls -la' })).toMatchObject({
      decision: 'allow',
      ruleId: 'exec.deny.none_matched',
    });
  });

  it('is weak by design: trivial rewrites get through', () => {
    expect(evaluateExec(p, { command: 'r""m -rf /tmp/x' }).decision).toBe('allow');
  });

  it('refuses a shell command when shell is off, before the rules', () => {
    const noShell = policy({ exec: { mode: 'deny', shell: false, deny: [{ id: 'rm', pattern: 'rm' }] } });
    expect(evaluateExec(noShell, { command: 'rm x' }).ruleId).toBe('exec.shell_disabled');
    expect(evaluateExec(noShell, { argv: ['rm', 'x'] }).ruleId).toBe('exec.deny:rm');
  });
});

describe('evaluateExec: allow mode', () => {
  it('allows an argv prefix and returns the argv to run without a shell', () => {
    expect(evaluateExec(allowList, { command: 'ls -la "/tmp/a b"' })).toEqual({
      decision: 'allow',
      ruleId: 'exec.allow:ls',
      reason: "command allowed by rule 'ls'",
      argv: ['ls', '-la', '/tmp/a b'],
    });
    expect(evaluateExec(allowList, { argv: ['ls', '-la'] })).toMatchObject({
      ruleId: 'exec.allow:ls',
      argv: ['ls', '-la'],
    });
  });

  it('returns a copy of an argv input', () => {
    const argv = ['ls'];
    const decision = evaluateExec(allowList, { argv });
    expect(decision.argv).toEqual(argv);
    expect(decision.argv).not.toBe(argv);
  });

  it('matches exact rules only exactly', () => {
    expect(evaluateExec(allowList, { command: 'git status' }).ruleId).toBe('exec.allow:git-status');
    expect(evaluateExec(allowList, { command: 'git status -s' }).ruleId).toBe('exec.allow.no_match');
    expect(evaluateExec(allowList, { command: 'git' }).ruleId).toBe('exec.allow.no_match');
  });

  it('requires every word of a prefix rule', () => {
    expect(evaluateExec(allowList, { argv: ['/usr/bin/rm', '-i', 'x'] }).ruleId).toBe('exec.allow:usr-rm');
    expect(evaluateExec(allowList, { argv: ['/usr/bin/rm', '-f', 'x'] }).ruleId).toBe('exec.allow.no_match');
  });

  it('takes the first matching rule in order', () => {
    const p = policy({
      exec: {
        mode: 'allow',
        allow: [
          { id: 'a', argv: ['ls'] },
          { id: 'b', argv: ['ls', '-la'] },
        ],
      },
    });
    expect(evaluateExec(p, { command: 'ls -la' }).ruleId).toBe('exec.allow:a');
  });

  it('ignores exec.shell: the command is parsed, never given to a shell', () => {
    const p = policy({ exec: { mode: 'allow', shell: false, allow: [{ id: 'ls', argv: ['ls'] }] } });
    expect(evaluateExec(p, { command: 'ls' })).toMatchObject({ decision: 'allow', argv: ['ls'] });
  });

  it('denies metacharacters naming the character', () => {
    const decision = evaluateExec(allowList, { command: 'ls; id' });
    expect(decision).toMatchObject({ decision: 'deny', ruleId: 'exec.allow.metachar' });
    expect(decision.reason).toContain("';'");
    expect(decision.argv).toBeUndefined();
    expect(evaluateExec(allowList, { argv: ['ls', '$HOME'] }).reason).toContain("'$'");
  });

  it('compares argv[0] literally and explains a path/bare mismatch', () => {
    const pathed = evaluateExec(allowList, { command: '/bin/ls' });
    expect(pathed).toMatchObject({ decision: 'deny', ruleId: 'exec.allow.no_match' });
    expect(pathed.reason).toContain("rule 'ls' allows the bare program 'ls', not the path '/bin/ls'");
    expect(pathed.reason).toContain('name it in the rule');
    const bare = evaluateExec(allowList, { command: 'rm -i x' });
    expect(bare).toMatchObject({ decision: 'deny', ruleId: 'exec.allow.no_match' });
    expect(bare.reason).toContain("only as '/usr/bin/rm'");
    expect(evaluateExec(allowList, { command: '/bin/rm -i x' }).ruleId).toBe('exec.allow.no_match');
  });

  it('lists up to five rule ids when nothing matches', () => {
    expect(evaluateExec(allowList, { command: 'id' }).reason).toBe(
      "command 'id' matches no allow rule (allowed: ls, git-status, usr-rm)",
    );
    const many = policy({
      exec: { mode: 'allow', allow: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => ({ id, argv: [id] })) },
    });
    expect(evaluateExec(many, { command: 'id' }).reason).toBe(
      "command 'id' matches no allow rule (allowed: a, b, c, d, e and 2 more)",
    );
    expect(evaluateExec(policy({ exec: { mode: 'allow' } }), { command: 'ls' }).reason).toContain(
      'no commands are allowed',
    );
  });
});

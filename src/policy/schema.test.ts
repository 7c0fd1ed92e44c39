import { describe, expect, it } from 'vitest';
import type { PolicyInput } from './schema.js';
import { PolicySchema } from './schema.js';

function issues(input: unknown): string[] {
  const result = PolicySchema.safeParse(input);
  if (result.success) throw new Error('expected the policy to be rejected');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('PolicySchema defaults', () => {
  it('fills every nested default from an empty object (prefault, not default)', () => {
    expect(PolicySchema.parse({})).toEqual({
      read_only: false,
      tools: { disabled: [] },
      exec: { mode: 'open', shell: true, allow: [], deny: [] },
      roots: ['/'],
      limits: {
        default_timeout_s: 30,
        max_timeout_s: 300,
        max_output_bytes: 1_048_576,
        max_file_bytes: 8_388_608,
        max_concurrent: 8,
        max_body_bytes: 16_777_216,
      },
    });
  });

  it('fills inner defaults of partially given objects and rules', () => {
    const input: PolicyInput = {
      exec: { mode: 'allow', allow: [{ id: 'ls', argv: ['ls'] }] },
      limits: { max_timeout_s: 60 },
    };
    const policy = PolicySchema.parse(input);
    expect(policy.exec).toEqual({
      mode: 'allow',
      shell: true,
      allow: [{ id: 'ls', argv: ['ls'], exact: false }],
      deny: [],
    });
    expect(policy.limits.default_timeout_s).toBe(30);
    expect(policy.limits.max_timeout_s).toBe(60);
  });

  it('does not share default arrays between parses', () => {
    const a = PolicySchema.parse({});
    a.roots.push('/tmp');
    a.tools.disabled.push('x');
    const b = PolicySchema.parse({});
    expect(b.roots).toEqual(['/']);
    expect(b.tools.disabled).toEqual([]);
  });

  it('keeps tools.enabled absent unless given', () => {
    expect(PolicySchema.parse({}).tools.enabled).toBeUndefined();
    expect(PolicySchema.parse({ tools: { enabled: ['read_file'] } }).tools.enabled).toEqual(['read_file']);
  });
});

describe('PolicySchema strictness', () => {
  it.each([
    [{ read_onyl: true }, ''],
    [{ tools: { disable: [] } }, 'tools'],
    [{ exec: { modes: 'allow' } }, 'exec'],
    [{ exec: { allow: [{ id: 'a', argv: ['a'], exect: true }] } }, 'exec.allow.0'],
    [{ exec: { deny: [{ id: 'a', pattern: 'a', flags: 'i' }] } }, 'exec.deny.0'],
    [{ limits: { max_timeout: 5 } }, 'limits'],
  ])('refuses unknown key in %j', (input, path) => {
    expect(
      issues(input).some((line) => line.startsWith(`${path}: `) && line.includes('Unrecognized key')),
    ).toBe(true);
  });
});

describe('PolicySchema validation', () => {
  it('refuses a bad exec mode', () => {
    expect(issues({ exec: { mode: 'maybe' } })[0]).toMatch(/^exec\.mode: /);
  });

  it('validates allow rule ids, argv and uniqueness', () => {
    expect(issues({ exec: { allow: [{ id: '-x', argv: ['ls'] }] } })[0]).toContain('rule id must start');
    expect(issues({ exec: { allow: [{ id: 'x y', argv: ['ls'] }] } })[0]).toContain('exec.allow.0.id');
    expect(issues({ exec: { allow: [{ id: 'x', argv: [] }] } })[0]).toContain('at least the program');
    expect(issues({ exec: { allow: [{ id: 'x', argv: ['ls', ''] }] } })[0]).toContain('non-empty');
    expect(issues({ exec: { allow: [{ id: 'x', argv: ['ls', '*'] }] } })[0]).toMatch(
      /^exec\.allow\.0\.argv\.1: .*could never match/,
    );
    expect(issues({ exec: { allow: [{ id: 'x', argv: ['X=1'] }] } })[0]).toContain('must not contain =');
    expect(
      issues({
        exec: {
          allow: [
            { id: 'x', argv: ['ls'] },
            { id: 'x', argv: ['id'] },
          ],
        },
      }),
    ).toEqual(["exec.allow: duplicate allow rule id 'x'"]);
    expect(
      PolicySchema.parse({ exec: { allow: [{ id: 'Git.status_2-x', argv: ['git'] }] } }).exec.allow,
    ).toHaveLength(1);
  });

  it('validates that deny patterns compile, with a clear message', () => {
    const [line] = issues({ exec: { deny: [{ id: 'bad', pattern: '(' }] } });
    expect(line).toMatch(
      /^exec\.deny\.0\.pattern: deny rule pattern "\(" is not a valid JavaScript regular expression: /,
    );
    expect(issues({ exec: { deny: [{ id: 'empty', pattern: '' }] } })[0]).toContain('must not be empty');
    expect(
      PolicySchema.parse({ exec: { deny: [{ id: 'rm', pattern: '\\brm\\b' }] } }).exec.deny[0]?.pattern,
    ).toBe('\\brm\\b');
  });

  it('requires absolute roots, at least one', () => {
    expect(issues({ roots: ['home/pi'] })).toEqual([
      'roots.0: each root must be an absolute path starting with /',
    ]);
    expect(issues({ roots: [] })).toEqual(['roots: roots must list at least one directory']);
    expect(issues({ roots: ['/a\0b'] })[0]).toContain('NUL');
    expect(PolicySchema.parse({ roots: ['/home/pi', '/tmp'] }).roots).toEqual(['/home/pi', '/tmp']);
  });

  it('requires positive integer limits', () => {
    expect(issues({ limits: { max_concurrent: 0 } })).toEqual([
      'limits.max_concurrent: limits.max_concurrent must be positive',
    ]);
    expect(issues({ limits: { max_output_bytes: 1.5 } })).toEqual([
      'limits.max_output_bytes: limits.max_output_bytes must be an integer',
    ]);
  });

  it('requires default_timeout_s <= max_timeout_s, including against the defaults', () => {
    const expected = [
      'limits.default_timeout_s: limits.default_timeout_s must not exceed limits.max_timeout_s',
    ];
    expect(issues({ limits: { default_timeout_s: 10, max_timeout_s: 5 } })).toEqual(expected);
    expect(issues({ limits: { max_timeout_s: 10 } })).toEqual(expected);
    expect(
      PolicySchema.parse({ limits: { default_timeout_s: 10, max_timeout_s: 10 } }).limits.max_timeout_s,
    ).toBe(10);
  });
});

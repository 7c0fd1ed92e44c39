/**
 * Attempts to get something other than an allow-listed program past allow-list mode, and path strings
 * that try to leave the roots. Every case must be denied by the expected rule.
 */
import { describe, expect, it } from 'vitest';
import { evaluateExec } from './exec.js';
import { evaluatePath } from './roots.js';
import { PolicySchema } from './schema.js';

const policy = PolicySchema.parse({
  exec: {
    mode: 'allow',
    allow: [
      { id: 'ls', argv: ['ls'] },
      { id: 'git-status', argv: ['git', 'status'], exact: true },
      { id: 'echo', argv: ['echo'] },
      { id: 'systemctl-status', argv: ['systemctl', 'status'] },
    ],
  },
});

const META = 'exec.allow.metachar';
const NO_MATCH = 'exec.allow.no_match';
const INPUT = 'exec.input';

const deniedCommands: ReadonlyArray<readonly [string, string]> = [
  // command substitution and process substitution
  ['$(id)', META],
  ['`id`', META],
  ['<(cat /etc/passwd)', META],
  // command separators and operators
  ['ls; rm -rf /', META],
  ['ls && id', META],
  ['ls || id', META],
  ['ls | sh', META],
  ['ls & id', META],
  ['ls\nid', META],
  ['ls\rid', META],
  ['ls\r\nid', META],
  // path-qualified or relative program names
  ['/bin/ls', NO_MATCH],
  ['/usr/bin/ls', NO_MATCH],
  ['./ls', NO_MATCH],
  ['../bin/ls', NO_MATCH],
  // environment assignment
  ['X=1 ls', META],
  ['PATH=/tmp ls', META],
  ["'LD_PRELOAD=/tmp/x.so' ls", META],
  // globbing, brace and tilde expansion
  ['ls *', META],
  ['ls ?', META],
  ['ls [a]', META],
  ['ls {a,b}', META],
  ['ls ~', META],
  ['ls ~root', META],
  // metacharacters inside quotes are refused too
  ["echo '$(id)'", META],
  ['echo "`id`"', META],
  ["echo ';'", META],
  ['echo "a|b"', META],
  // backslash escapes
  ['ls\\;id', META],
  ['l\\s', META],
  // not on the allow-list
  ['git status --porcelain', NO_MATCH],
  ['git log', NO_MATCH],
  ['git', NO_MATCH],
  ['rm -rf /', NO_MATCH],
  ['sh -c ls', NO_MATCH],
  ['bash', NO_MATCH],
  ['systemctl restart nginx', NO_MATCH],
  ['systemctl', NO_MATCH],
  ['lsx', NO_MATCH],
  ['LS', NO_MATCH],
  ['"ls" ; id', META],
  // Unicode look-alikes and invisible characters
  ['ls ＄(id)', META],
  ['ls；id', META],
  ['ls ∣ id', META],
  ['ls \u037e id', META], // Greek question mark, looks like ';'
  ['ls\u00a0-la', META],
  ['ls\u200b', META],
  ['ls\u2028id', META], // line separator
  ['ｌｓ', META], // fullwidth letters
  // variables and parameter expansion
  ['echo $HOME', META],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal shell syntax is the input under test
  ['echo ${HOME}', META],
  ['echo %PATH%', META],
  // redirection
  ['ls > /tmp/x', META],
  ['ls >> /tmp/x', META],
  ['ls < /etc/passwd', META],
  ['ls 2>&1', META],
  // history expansion and comments
  ['echo !!', META],
  ['ls #comment', META],
  // control characters
  ['ls\0', META],
  ['ls\u001b[2J', META],
  ['ls\vid', META],
  ['ls\fid', META],
  // quoting errors
  ['"ls', META],
  ["ls 'a", META],
  ['"" ls', META],
  // empty
  ['', INPUT],
  ['   ', INPUT],
  ['\t', INPUT],
];

const deniedArgv: ReadonlyArray<readonly [readonly string[], string]> = [
  [['ls', '$(id)'], META],
  [['/bin/ls'], NO_MATCH],
  [['./ls'], NO_MATCH],
  [['ls', 'a\nb'], META],
  [['ls', 'a\0b'], META],
  [['ls\u00a0'], META],
  [['sh', '-c', 'ls'], NO_MATCH],
  [['X=1', 'ls'], META],
  [['git', 'status', '--porcelain'], NO_MATCH],
  [['systemctl', 'restart', 'nginx'], NO_MATCH],
  [[], INPUT],
  [['', 'ls'], INPUT],
];

describe('allow-list bypass corpus: commands', () => {
  it('has at least 45 command cases', () => {
    expect(deniedCommands.length).toBeGreaterThanOrEqual(45);
  });

  it.each(deniedCommands)('denies %j (%s)', (command, ruleId) => {
    const decision = evaluateExec(policy, { command });
    expect(decision.decision).toBe('deny');
    expect(decision.ruleId).toBe(ruleId);
    expect(decision.argv).toBeUndefined();
  });
});

describe('allow-list bypass corpus: argv', () => {
  it.each(deniedArgv)('denies %j (%s)', (argv, ruleId) => {
    const decision = evaluateExec(policy, { argv: [...argv] });
    expect(decision.decision).toBe('deny');
    expect(decision.ruleId).toBe(ruleId);
    expect(decision.argv).toBeUndefined();
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

describe('roots bypass corpus', () => {
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

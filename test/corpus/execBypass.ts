/**
 * Attempts to run something other than an allow-listed argv in exec allow-list mode, each with
 * the rule that must refuse it. Data only: the unit test (src/policy/bypass.test.ts) runs every
 * case through `evaluateExec`, the integration test (test/integration/policyBypass.test.ts)
 * through the real agent, the hub and an SSH device.
 *
 * `{marker}` stands for a path unique to the case; an `armed` case creates that file when its
 * input is run without the policy (a command under `bash -c`, an argv spawned directly, with
 * `stdin`), so a marker that appears means the payload ran. Only `touch`-like payloads are armed:
 * the integration test runs every armed case unchecked once, to prove the payload is live.
 */

/** The allow-list every exec case is judged against (ids become `exec.allow:<id>` rules). */
export const BYPASS_ALLOW_RULES = [
  { id: 'ls', argv: ['ls'] },
  { id: 'echo', argv: ['echo'] },
  { id: 'git-status', argv: ['git', 'status'], exact: true },
  { id: 'systemctl-status', argv: ['systemctl', 'status'] },
] as const;

export const META = 'exec.allow.metachar';
export const NO_MATCH = 'exec.allow.no_match';
export const ENV = 'exec.allow.env';
export const INPUT = 'exec.input';

export type ExecBypassCategory =
  | 'command-substitution'
  | 'backticks'
  | 'process-substitution'
  | 'semicolon'
  | 'and-list'
  | 'or-list'
  | 'pipe'
  | 'background'
  | 'newline'
  | 'absolute-path'
  | 'env-assignment'
  | 'environment'
  | 'glob'
  | 'quoted-metachar'
  | 'redirection'
  | 'shell-grammar'
  | 'expansion'
  | 'unicode-lookalike'
  | 'invisible-character'
  | 'control-character'
  | 'quoting'
  | 'wrapper-program'
  | 'option-injection'
  | 'not-allowed'
  | 'empty';

export interface ExecBypassInput {
  command?: string;
  argv?: string[];
  env?: Record<string, string>;
  stdin?: string;
}

export interface ExecBypassCase {
  category: ExecBypassCategory;
  input: ExecBypassInput;
  /** The rule id the refusal must name. */
  expectedRule: string;
  /** Why this input is an attack (or what it would do under a shell). */
  why: string;
  /** Run unchecked, the input creates `{marker}` (see the module comment). */
  armed?: true;
}

type Extra = { armed?: true; env?: Record<string, string>; stdin?: string };

function cmd(
  category: ExecBypassCategory,
  command: string,
  expectedRule: string,
  why: string,
  extra: Extra = {},
): ExecBypassCase {
  const { armed, ...rest } = extra;
  return { category, input: { command, ...rest }, expectedRule, why, ...(armed ? { armed } : {}) };
}

function argv(
  category: ExecBypassCategory,
  words: string[],
  expectedRule: string,
  why: string,
  extra: Extra = {},
): ExecBypassCase {
  const { armed, ...rest } = extra;
  return { category, input: { argv: words, ...rest }, expectedRule, why, ...(armed ? { armed } : {}) };
}

const armed = { armed: true } as const;
const T = 'touch {marker}';

export const EXEC_BYPASS_CASES: readonly ExecBypassCase[] = [
  cmd('command-substitution', `$(${T})`, META, 'the whole command is a substitution', armed),
  cmd('command-substitution', `ls $(${T})`, META, 'substitution in an argument of an allowed program', armed),
  cmd('command-substitution', `echo "$(${T})"`, META, 'double quotes do not stop substitution', armed),
  cmd('backticks', `\`${T}\``, META, 'old-style substitution', armed),
  cmd('backticks', `ls \`${T}\``, META, 'backticks in an argument', armed),
  cmd('backticks', `echo "\`${T}\`"`, META, 'backticks inside double quotes still run', armed),
  cmd('process-substitution', `ls <(${T})`, META, 'bash process substitution (input)', armed),
  cmd('process-substitution', `echo >(${T})`, META, 'bash process substitution (output)', armed),
  cmd('semicolon', `ls; ${T}`, META, 'a second command after ;', armed),
  cmd('semicolon', `ls;${T}`, META, '; without spaces', armed),
  cmd('semicolon', `"ls" ; ${T}`, META, 'a quoted allowed program, then ;', armed),
  cmd('and-list', `ls && ${T}`, META, 'runs the second command when ls succeeds', armed),
  cmd('and-list', `ls&&${T}`, META, '&& without spaces', armed),
  cmd('or-list', `ls /nonexistent-mcpf || ${T}`, META, 'runs the second command when ls fails', armed),
  cmd('pipe', `ls | ${T}`, META, 'a pipe starts a second program', armed),
  cmd('pipe', `ls |& ${T}`, META, "bash's |& pipe", armed),
  cmd('pipe', 'echo id | sh', META, 'piping text into a shell'),
  cmd('background', `ls & ${T}`, META, '& runs both commands', armed),
  cmd('newline', `ls\n${T}`, META, 'a newline separates commands like ;', armed),
  cmd('newline', `ls\r\n${T}`, META, 'CRLF line ending before a second command', armed),
  cmd('newline', 'ls\rid', META, 'a bare carriage return can hide text in a terminal'),
  cmd('newline', `ls\u2028${T}`, META, 'U+2028 line separator, a newline to some parsers'),
  cmd('newline', `ls\u0085${T}`, META, 'U+0085 next line, a newline to some parsers'),
  argv('newline', ['ls', `a\n${T}`], META, 'a newline inside an argv element'),
  cmd('absolute-path', '/bin/ls', NO_MATCH, 'argv[0] is compared literally; the rule names ls'),
  cmd('absolute-path', '/usr/bin/ls', NO_MATCH, 'another absolute path to ls'),
  cmd('absolute-path', '//bin/ls', NO_MATCH, 'a doubled slash'),
  cmd('absolute-path', '/bin/../bin/ls', NO_MATCH, 'a .. inside the program path'),
  cmd('absolute-path', './ls', NO_MATCH, 'whatever ls sits in the working directory'),
  cmd('absolute-path', '../bin/ls', NO_MATCH, 'a relative program path'),
  cmd('absolute-path', '/proc/self/root/bin/ls', NO_MATCH, 'ls through /proc/self/root'),
  cmd('absolute-path', 'ls/', NO_MATCH, 'a trailing slash is not the program ls'),
  cmd(
    'absolute-path',
    `/usr/bin/touch {marker}`,
    NO_MATCH,
    'an absolute path to a program not allowed',
    armed,
  ),
  argv('absolute-path', ['/bin/echo', 'x'], NO_MATCH, 'the argv form compares argv[0] literally too'),
  cmd('env-assignment', 'X=1 ls', META, 'a shell would set X for ls'),
  cmd('env-assignment', 'PATH=/tmp ls', META, 'PATH would choose which ls runs'),
  cmd('env-assignment', "'LD_PRELOAD=/tmp/x.so' ls", META, 'a quoted assignment is still an assignment'),
  cmd('env-assignment', `X=1 ${T}`, META, 'an assignment before another program', armed),
  argv('env-assignment', ['X=1', 'ls'], META, 'the argv form refuses = in argv[0] too'),
  argv('env-assignment', ['BASH_ENV=/tmp/x', 'ls'], META, 'BASH_ENV would make bash source a file'),
  argv('environment', ['ls'], ENV, 'LD_PRELOAD loads a library into ls', {
    env: { LD_PRELOAD: '/tmp/x.so' },
  }),
  argv('environment', ['echo', 'x'], ENV, 'PATH chooses which echo runs', { env: { PATH: '/tmp' } }),
  cmd('environment', 'git status', ENV, 'git config from the environment runs hooks', {
    env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.fsmonitor', GIT_CONFIG_VALUE_0: T },
  }),
  cmd('environment', 'ls', ENV, 'BASH_ENV, if anything runs bash', { env: { BASH_ENV: '/tmp/x' } }),
  cmd('glob', 'ls *', META, 'the shell would expand *'),
  cmd('glob', 'ls ?', META, 'the shell would expand ?'),
  cmd('glob', 'ls [a]', META, 'bracket globs'),
  cmd('glob', 'ls {a,b}', META, 'brace expansion'),
  cmd('glob', 'ls ~', META, 'tilde expansion'),
  cmd('glob', 'ls ~root', META, "another user's home"),
  cmd('glob', 'echo /etc/pass*', META, 'a glob that names files outside the roots'),
  argv('glob', ['ls', '*'], META, 'the argv form refuses glob characters too'),
  cmd('quoted-metachar', `echo '$(${T})'`, META, 'metacharacters are refused even in single quotes'),
  cmd('quoted-metachar', "echo ';'", META, 'a quoted ;'),
  cmd('quoted-metachar', 'echo "a|b"', META, 'a quoted |'),
  cmd('quoted-metachar', "echo '&&'", META, 'a quoted &&'),
  cmd('quoted-metachar', `"ls;${T}"`, META, 'a whole command in quotes'),
  cmd('quoted-metachar', 'ls\\;id', META, 'a backslash-escaped ;'),
  cmd('quoted-metachar', 'l\\s', META, 'a backslash inside the program name'),
  cmd('redirection', 'ls > {marker}', META, 'output redirection creates a file', armed),
  cmd('redirection', 'ls >> {marker}', META, 'appending redirection', armed),
  cmd('redirection', 'ls >| {marker}', META, 'clobbering redirection', armed),
  cmd('redirection', 'ls < /etc/passwd', META, 'input redirection'),
  cmd('redirection', 'ls 2>&1', META, 'descriptor duplication'),
  cmd('redirection', 'cat <<EOF', META, 'a here-document'),
  cmd('redirection', 'ls 1>&2', META, 'output to another descriptor'),
  cmd('shell-grammar', `(${T})`, META, 'a subshell', armed),
  cmd('shell-grammar', `{ ${T}; }`, META, 'a command group', armed),
  cmd('shell-grammar', `! ${T}`, META, 'negation still runs the command', armed),
  cmd('shell-grammar', `if true; then ${T}; fi`, META, 'a compound command', armed),
  cmd('shell-grammar', `coproc ${T}`, NO_MATCH, 'a bash keyword that needs no metacharacter', armed),
  cmd('shell-grammar', `time ${T}`, NO_MATCH, 'the time keyword runs its command', armed),
  cmd('shell-grammar', 'ls -la;', META, 'a trailing ;'),
  argv('shell-grammar', ['ls', '--', '$(id)'], META, '-- does not make shell syntax harmless'),
  cmd('expansion', 'echo $HOME', META, 'parameter expansion'),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal shell syntax is the input under test
  cmd('expansion', 'echo ${HOME}', META, 'braced parameter expansion'),
  cmd('expansion', 'echo $((1+1))', META, 'arithmetic expansion'),
  cmd('expansion', "echo $'\\x3b'", META, 'ANSI-C quoting makes a ; from an escape'),
  cmd('expansion', 'echo %PATH%', META, 'cmd.exe-style expansion'),
  cmd('expansion', 'echo !!', META, 'history expansion'),
  cmd('expansion', 'ls #comment', META, 'a comment hides the rest from a reader'),
  cmd('unicode-lookalike', `ls\uff1b${T}`, META, 'U+FF1B fullwidth semicolon'),
  cmd('unicode-lookalike', `ls\u037e${T}`, META, 'U+037E Greek question mark, NFKC-normalises to ;'),
  cmd('unicode-lookalike', `ls \uff04(${T})`, META, 'U+FF04 fullwidth dollar'),
  cmd('unicode-lookalike', `ls \u2223 ${T}`, META, 'U+2223 divides, looks like |'),
  cmd('unicode-lookalike', `ls \uff5c ${T}`, META, 'U+FF5C fullwidth vertical line'),
  cmd('unicode-lookalike', `ls \uff06\uff06 ${T}`, META, 'U+FF06 fullwidth ampersands'),
  cmd('unicode-lookalike', `ls \ufe60 ${T}`, META, 'U+FE60 small ampersand'),
  cmd('unicode-lookalike', `echo \uff40${T}\uff40`, META, 'U+FF40 fullwidth grave accents'),
  cmd('unicode-lookalike', '\u217cs', META, 'U+217C small roman numeral fifty as the l of ls'),
  cmd('unicode-lookalike', 'l\u0455', META, 'U+0455 Cyrillic dze as the s of ls'),
  cmd('unicode-lookalike', '\uff4c\uff53', META, 'fullwidth ls'),
  cmd('unicode-lookalike', '\u0435cho x', META, 'U+0435 Cyrillic e in echo'),
  cmd('unicode-lookalike', '\uff0fbin\uff0fls', META, 'U+FF0F fullwidth solidus in a program path'),
  cmd('unicode-lookalike', 'ls \u2010la', META, 'U+2010 hyphen instead of -'),
  argv('unicode-lookalike', ['l\u0455'], META, 'a look-alike program name in the argv form'),
  argv('unicode-lookalike', ['ls', '\uff1b'], META, 'a look-alike separator as an argv element'),
  cmd('invisible-character', 'l\u200bs', META, 'U+200B zero-width space inside the name'),
  cmd('invisible-character', 'l\u200ds', META, 'U+200D zero-width joiner inside the name'),
  cmd('invisible-character', '\ufeffls', META, 'U+FEFF byte order mark before the name'),
  cmd('invisible-character', 'ls\u2060', META, 'U+2060 word joiner after the name'),
  cmd(
    'invisible-character',
    'echo \u202etxt.exe',
    META,
    'U+202E right-to-left override reverses the display',
  ),
  cmd('invisible-character', 'ls\u00a0-la', META, 'U+00A0 no-break space as a separator'),
  cmd('invisible-character', 'echo\u00a0x', META, 'U+00A0 joins echo and x into one odd word'),
  cmd('invisible-character', 'ls\u3000-la', META, 'U+3000 ideographic space'),
  cmd('invisible-character', 'ls\u2009-la', META, 'U+2009 thin space'),
  cmd('invisible-character', 'l\u0338s', META, 'U+0338 combining long solidus overlay'),
  cmd('invisible-character', 'ls\u0301', META, 'U+0301 combining acute accent'),
  argv('invisible-character', ['ls\u00a0'], META, 'a no-break space in the argv form'),
  cmd('control-character', 'ls\0id', META, 'a NUL would cut the string in C'),
  cmd('control-character', 'ls\u001b[2J', META, 'a terminal escape sequence'),
  cmd('control-character', 'ls\vid', META, 'vertical tab'),
  cmd('control-character', 'ls\fid', META, 'form feed'),
  cmd('control-character', 'ls\bid', META, 'backspace hides characters on a terminal'),
  cmd('control-character', 'ls\u007f', META, 'delete'),
  argv('control-character', ['ls', 'a\0b'], META, 'a NUL inside an argv element'),
  cmd('quoting', '"ls', META, 'an unbalanced double quote'),
  cmd('quoting', "ls 'a", META, 'an unbalanced single quote'),
  cmd('quoting', '"" ls', META, 'an empty program name before ls'),
  cmd('wrapper-program', 'sh -c ls', NO_MATCH, 'a shell running an allowed command is still a shell'),
  cmd('wrapper-program', `bash -c '${T}'`, NO_MATCH, 'bash -c with a payload', armed),
  argv('wrapper-program', ['sh', '-c', T], NO_MATCH, 'sh -c in the argv form', armed),
  cmd('wrapper-program', `env ${T}`, NO_MATCH, 'env runs its arguments', armed),
  argv('wrapper-program', ['/usr/bin/env', 'touch', '{marker}'], NO_MATCH, 'env by absolute path', armed),
  cmd('wrapper-program', 'env ls', NO_MATCH, 'env in front of an allowed program'),
  cmd('wrapper-program', 'busybox sh', NO_MATCH, 'busybox contains a shell and every applet'),
  argv('wrapper-program', ['busybox', 'touch', '{marker}'], NO_MATCH, 'a busybox applet'),
  argv('wrapper-program', ['xargs', 'touch'], NO_MATCH, 'xargs runs its stdin as arguments', {
    armed: true,
    stdin: '{marker}\n',
  }),
  cmd('wrapper-program', 'find / -maxdepth 0 -fprint {marker}', NO_MATCH, 'find writes files', armed),
  cmd('wrapper-program', 'find . -exec id +', NO_MATCH, 'find -exec runs programs'),
  cmd('wrapper-program', `nice ${T}`, NO_MATCH, 'nice runs its arguments', armed),
  cmd('wrapper-program', `timeout 5 ${T}`, NO_MATCH, 'timeout runs its arguments', armed),
  cmd('wrapper-program', 'sudo ls', NO_MATCH, 'sudo changes who runs an allowed program'),
  cmd('wrapper-program', 'command ls', NO_MATCH, 'the shell builtin command'),
  cmd('wrapper-program', 'exec ls', NO_MATCH, 'the shell builtin exec'),
  cmd('option-injection', 'git -c core.fsmonitor=id status', NO_MATCH, 'options before status run a hook'),
  cmd('option-injection', 'git --exec-path=/tmp status', NO_MATCH, 'options before status pick programs'),
  cmd('option-injection', 'git status --porcelain', NO_MATCH, 'an exact rule takes no extra words'),
  cmd('option-injection', 'git status -- x', NO_MATCH, '-- and more words after an exact rule'),
  argv('option-injection', ['git', '-C', '/', 'status'], NO_MATCH, '-C changes the repository'),
  cmd('option-injection', 'systemctl --host=x status', NO_MATCH, 'an option before the allowed verb'),
  cmd('option-injection', 'systemctl -H x status', NO_MATCH, 'a short option before the allowed verb'),
  cmd('not-allowed', T, NO_MATCH, 'a program on no rule', armed),
  cmd('not-allowed', 'rm -rf /', NO_MATCH, 'the classic'),
  cmd('not-allowed', 'id', NO_MATCH, 'a harmless program is still not allowed'),
  cmd('not-allowed', 'lsx', NO_MATCH, 'a longer name starting with ls'),
  cmd('not-allowed', 'LS', NO_MATCH, 'names are case-sensitive'),
  cmd('not-allowed', 'git', NO_MATCH, 'less than the rule git status'),
  cmd('not-allowed', 'git log', NO_MATCH, 'another git verb'),
  cmd('not-allowed', 'systemctl restart nginx', NO_MATCH, 'another systemctl verb'),
  cmd('empty', '   ', INPUT, 'only spaces'),
  cmd('empty', '\t', INPUT, 'only a tab'),
  argv('empty', ['', 'ls'], INPUT, 'an empty program name'),
];

/**
 * Paths that try to leave the file roots, each with the rule that must refuse it. Data only; the
 * integration test (test/integration/policyBypass.test.ts) builds the layout below and runs every
 * case through the real agent, the hub and an SSH device; the unit test runs the cases policy
 * decides without the filesystem (`lexical`).
 *
 * Layout, under a fresh directory `<base>`: the root is `<base>/root` (`{root}`), and everything
 * else in `<base>` is outside it: `{outside}` = `<base>/outside` holding `secret.txt`, and
 * `<base>/root-evil` (a sibling whose name starts with the root's). Inside the root: `sub/` with
 * `inside.txt`, and symlinks `out-dir` → `{outside}`, `out-file` → `{outside}/secret.txt`,
 * `up` → `..` and `proc-root` → `/proc/self/root`.
 */

export const ROOTS = 'roots';
export const INVALID_PATH = 'roots.invalid_path';

/** What `{outside}/secret.txt` and `<base>/root-evil/secret.txt` hold; no read may return it. */
export const OUTSIDE_SECRET = 'mcpf-outside-secret\n';

/** Symlinks the layout puts in the root: name → target (`{outside}` filled in). */
export const ROOT_SYMLINKS: Readonly<Record<string, string>> = {
  'out-dir': '{outside}',
  'out-file': '{outside}/secret.txt',
  up: '..',
  'proc-root': '/proc/self/root',
};

export type PathBypassCategory =
  | 'dot-dot'
  | 'dot'
  | 'double-slash'
  | 'trailing-slash'
  | 'symlink'
  | 'proc-self-root'
  | 'proc-fd'
  | 'absolute-outside'
  | 'prefix'
  | 'newline'
  | 'relative'
  | 'nul-byte'
  | 'very-long-path'
  | 'unicode-lookalike';

/** Which tool gets the path: the three file tools, or exec's working directory. */
export type PathTool = 'read_file' | 'write_file' | 'list_dir' | 'exec_cwd';

export interface PathBypassCase {
  category: PathBypassCategory;
  tool: PathTool;
  /** With `{root}` and `{outside}` placeholders. */
  path: string;
  expectedRule: typeof ROOTS | typeof INVALID_PATH;
  why: string;
  /** Refused whatever the filesystem holds: policy alone decides it (`requestedPathDenial`). */
  lexical?: true;
}

function p(
  category: PathBypassCategory,
  tool: PathTool,
  path: string,
  expectedRule: PathBypassCase['expectedRule'],
  why: string,
): PathBypassCase {
  const lexical = expectedRule === INVALID_PATH;
  return { category, tool, path, expectedRule, why, ...(lexical ? { lexical } : {}) };
}

const SECRET = '{outside}/secret.txt';
/** Over PATH_MAX once the root's own path is added, yet resolving to the secret. */
const LONG_CLIMB = `{root}/${'sub/../'.repeat(600)}../outside/secret.txt`;

export const PATH_BYPASS_CASES: readonly PathBypassCase[] = [
  p('dot-dot', 'read_file', '{root}/../outside/secret.txt', ROOTS, 'climbs out of the root'),
  p('dot-dot', 'read_file', '{root}/sub/../../outside/secret.txt', ROOTS, 'climbs out from a subdirectory'),
  p('dot-dot', 'write_file', '{root}/../outside/new.txt', ROOTS, 'creates a file next to the root'),
  p('dot-dot', 'write_file', '{root}/sub/../../outside/secret.txt', ROOTS, 'overwrites a file outside'),
  p('dot-dot', 'list_dir', '{root}/..', ROOTS, "lists the root's parent"),
  p('dot-dot', 'exec_cwd', '{root}/..', ROOTS, "runs in the root's parent"),
  p('dot', 'read_file', '{root}/./../outside/./secret.txt', ROOTS, '. components around a ..'),
  p('dot', 'list_dir', '{root}/../outside/.', ROOTS, 'a trailing /.'),
  p('double-slash', 'read_file', '{root}//..//outside//secret.txt', ROOTS, 'doubled slashes around ..'),
  p('double-slash', 'write_file', '{root}//../outside//new.txt', ROOTS, 'doubled slashes in a write'),
  p('trailing-slash', 'list_dir', '{root}/out-dir/', ROOTS, 'a trailing slash on a symlinked directory'),
  p('symlink', 'read_file', '{root}/out-dir/secret.txt', ROOTS, 'a symlinked directory pointing outside'),
  p('symlink', 'read_file', '{root}/out-file', ROOTS, 'a symlinked file pointing outside'),
  p('symlink', 'read_file', '{root}/up/outside/secret.txt', ROOTS, 'a relative symlink to ..'),
  p('symlink', 'read_file', '{root}/sub/../out-dir/../outside/secret.txt', ROOTS, '.. after a symlink'),
  p('symlink', 'write_file', '{root}/out-dir/new.txt', ROOTS, 'creates a file through a symlinked directory'),
  p('symlink', 'write_file', '{root}/out-dir/./new.txt', ROOTS, 'the same with a . component'),
  p('symlink', 'write_file', '{root}/out-file', ROOTS, 'writes through a symlink to a file outside'),
  p('symlink', 'list_dir', '{root}/out-dir', ROOTS, 'lists a directory outside through a symlink'),
  p('symlink', 'exec_cwd', '{root}/out-dir', ROOTS, 'runs in a directory outside through a symlink'),
  p('proc-self-root', 'read_file', `/proc/self/root${SECRET}`, ROOTS, "the process's view of /"),
  p('proc-self-root', 'read_file', '/proc/self/root/etc/passwd', ROOTS, 'a system file through it'),
  p('proc-self-root', 'write_file', '/proc/self/root{outside}/new.txt', ROOTS, 'a write through it'),
  p('proc-self-root', 'list_dir', '/proc/self/root/', ROOTS, 'the whole filesystem'),
  p('proc-self-root', 'read_file', `/proc/thread-self/root${SECRET}`, ROOTS, 'the per-thread variant'),
  p('proc-self-root', 'read_file', `/proc/self/root/proc/self/root${SECRET}`, ROOTS, 'nested twice'),
  p('proc-self-root', 'read_file', `{root}/proc-root${SECRET}`, ROOTS, 'a symlink in the root to it'),
  p('proc-self-root', 'read_file', '/proc/1/root/etc/passwd', ROOTS, "another process's root"),
  p('proc-self-root', 'exec_cwd', '/proc/self/root{outside}', ROOTS, 'a working directory through it'),
  p('proc-self-root', 'read_file', '/proc/self/root{root}/../outside/secret.txt', ROOTS, 'with a climb'),
  p('proc-fd', 'list_dir', '/proc/self/cwd/../..', ROOTS, 'climbing from the working directory'),
  p('dot-dot', 'write_file', '{root}/sub/./../../outside/new.txt', ROOTS, '. and .. mixed in a write'),
  p('proc-fd', 'list_dir', '/proc/self/cwd', ROOTS, "the process's working directory"),
  p('proc-fd', 'read_file', '/proc/1/cwd/etc/passwd', ROOTS, "another process's working directory"),
  p('proc-fd', 'read_file', '/dev/fd/0', ROOTS, 'an open descriptor of the process'),
  p('proc-fd', 'read_file', '/proc/self/fd/0', ROOTS, 'the same through /proc'),
  p('proc-fd', 'read_file', '/dev/stdin', ROOTS, 'stdin by name'),
  p('absolute-outside', 'read_file', SECRET, ROOTS, 'simply a file outside'),
  p('absolute-outside', 'read_file', '/etc/passwd', ROOTS, 'a system file'),
  p('absolute-outside', 'write_file', '{outside}/new.txt', ROOTS, 'simply a new file outside'),
  p('prefix', 'read_file', '{root}-evil/secret.txt', ROOTS, 'a sibling whose name starts with the root'),
  p('prefix', 'write_file', '{root}-evil/new.txt', ROOTS, 'a write into that sibling'),
  p('newline', 'read_file', '{root}\n/../outside/secret.txt', ROOTS, 'a newline makes another name'),
  p('newline', 'write_file', '{outside}/new\n.txt', ROOTS, 'a newline in a file name outside'),
  p('relative', 'read_file', 'sub/inside.txt', INVALID_PATH, 'relative to an unknown directory'),
  p('relative', 'read_file', '../outside/secret.txt', INVALID_PATH, 'a relative climb'),
  p('relative', 'write_file', 'outside/new.txt', INVALID_PATH, 'a relative write'),
  p('relative', 'list_dir', '.', INVALID_PATH, 'the current directory'),
  p(
    'nul-byte',
    'read_file',
    '{root}/sub/inside.txt\0/../../../outside/secret.txt',
    INVALID_PATH,
    'C cuts at NUL',
  ),
  p('nul-byte', 'write_file', '{root}/new.txt\0.sh', INVALID_PATH, 'the name checked is not the name used'),
  p('very-long-path', 'read_file', LONG_CLIMB, INVALID_PATH, 'over PATH_MAX, climbing to the secret'),
  p('very-long-path', 'write_file', `{root}/${'a/'.repeat(2100)}x`, INVALID_PATH, '2,100 components'),
  p('very-long-path', 'read_file', `{outside}/${'x'.repeat(300)}`, ROOTS, 'a name over NAME_MAX, outside'),
  p(
    'very-long-path',
    'list_dir',
    `{root}/${'sub/../'.repeat(300)}..`,
    ROOTS,
    '600 components, under PATH_MAX',
  ),
  p('unicode-lookalike', 'read_file', '{root}\u200b/../outside/secret.txt', ROOTS, 'the root plus U+200B'),
  p('unicode-lookalike', 'read_file', '{root}\uff0f..\uff0foutside\uff0fsecret.txt', ROOTS, 'U+FF0F slashes'),
  p('unicode-lookalike', 'write_file', '{root}\u2024\u2024/outside/new.txt', ROOTS, 'U+2024 dots'),
];

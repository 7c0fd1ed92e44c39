import fc from 'fast-check';
import { huge, weirdValue, withExtraKeys } from './jsonRpcArbitraries.js';

/**
 * Arguments for every tool, near the schema (so calls get past validation into policy and the
 * tool itself) and away from it (wrong types, extra and prototype-polluting keys, NUL bytes,
 * huge strings). The fuzzed servers run with a confining policy: exec may run only `echo` and
 * `true` without a shell, and files live under the given roots, so no argument can do harm.
 */

/** Where fuzzed file tools may act; each root holds the fixtures `prepareRoot` made. */
export interface ToolArgContext {
  roots: readonly string[];
}

/** Names inside a root, the fixtures `prepareRoot` creates among them. */
const entryName = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'file.txt',
      'dir',
      'dir/inner.txt',
      'escape',
      'escape/passwd',
      'loop',
      'fifo',
      'new.txt',
      'new.txt.bak',
      '.hidden',
      'x y',
      'ü',
      '-rf',
      '--help',
      '*',
      '$(id)',
      'a\nb',
      'a\u0000b',
      '..',
      '.',
      '',
      'a'.repeat(300),
      `${'d/'.repeat(40)}x`,
    ),
    weight: 4,
  },
  { arbitrary: fc.string({ maxLength: 16 }), weight: 1 },
);

function pathIn(ctx: ToolArgContext): fc.Arbitrary<string> {
  const root = fc.constantFrom(...ctx.roots);
  return fc.oneof(
    { arbitrary: fc.tuple(root, entryName).map(([r, n]) => `${r}/${n}`), weight: 8 },
    { arbitrary: root, weight: 1 },
    { arbitrary: root.map((r) => `${r}/../../etc/passwd`), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '/etc/passwd',
        '/etc/shadow',
        '/proc/self/environ',
        '/proc/self/mem',
        '/dev/zero',
        '/dev/urandom',
        '/',
        '.',
        'relative.txt',
        '~/.ssh/id_rsa',
        '/tmp',
        '//',
        '/'.repeat(5000),
      ),
      weight: 2,
    },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  );
}

/** A field: usually a plausible value, sometimes anything at all. */
const field = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: plausible, weight: 10 }, { arbitrary: weirdValue, weight: 1 });

/**
 * Arguments of one tool: the `core` fields (present, mostly plausible) and each `optional`
 * field now and then, or extra keys, or not an object at all. Most calls so get past
 * validation into the policy and the tool, and the rest probe validation itself.
 */
export function argsOf(
  core: Record<string, fc.Arbitrary<unknown>>,
  optional: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, arb] of Object.entries(core))
    model[key] = fc.option(field(arb), { nil: undefined, freq: 20 });
  for (const [key, arb] of Object.entries(optional)) {
    model[key] = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 2 },
      { arbitrary: field(arb), weight: 1 },
    );
  }
  const plausible = fc.record(model).map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    return out;
  });
  return fc.oneof(
    { arbitrary: plausible, weight: 16 },
    { arbitrary: withExtraKeys(plausible), weight: 2 },
    { arbitrary: weirdValue, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

const text = fc.oneof(
  { arbitrary: fc.string({ maxLength: 200 }), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 2 },
  {
    arbitrary: fc.constantFrom('a\u0000b', '\u0000', '\uD800', '$(id)', '`id`', '; rm -rf /', '\r\n'),
    weight: 1,
  },
  { arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => huge(n)), weight: 1 },
);

const count = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 200 }), weight: 4 },
  {
    arbitrary: fc.constantFrom(0, -1, 1.5, 10_000, 10_001, 100_000, 100_001, 2 ** 31, 2 ** 53 + 2, 1e308),
    weight: 1,
  },
);

const seconds = fc.oneof(
  fc.constantFrom(0.001, 0.5, 1, 5, 6, 1e9, 0, -1),
  fc.double({ min: -10, max: 1e12, noNaN: true, noDefaultInfinity: true }),
);

const argvHead = fc.oneof(
  { arbitrary: fc.constantFrom('echo', 'true'), weight: 4 },
  {
    arbitrary: fc.constantFrom('/bin/echo', 'rm', 'sh', 'sleep', 'cat', '', '-n', 'echo\u0000', 'ECHO'),
    weight: 1,
  },
);

/** Words the exec policy accepts (letters, digits and a little punctuation), and any text. */
const word = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9 _.,/:=@+^-]{0,24}$/), weight: 4 },
  { arbitrary: text, weight: 1 },
);

/** Argument arbitraries of the agent's tools (the hub's fleet_* tools add `targets`). */
export function agentToolArgs(ctx: ToolArgContext): Record<string, fc.Arbitrary<unknown>> {
  const path = pathIn(ctx);
  const command = fc.oneof(
    fc.constantFrom(
      'echo hi',
      'true',
      'echo $HOME',
      'echo a; rm -rf /',
      'echo `id`',
      'echo "open',
      'sleep 100',
      ' ',
    ),
    word.map((w) => `echo ${w}`),
    text,
  );
  const argv = fc.oneof(
    {
      arbitrary: fc.tuple(argvHead, fc.array(word, { maxLength: 4 })).map(([h, rest]) => [h, ...rest]),
      weight: 4,
    },
    { arbitrary: fc.array(text, { maxLength: 3 }), weight: 1 },
  );
  const env = fc.dictionary(
    fc.constantFrom('PATH', 'LD_PRELOAD', 'HOME', 'X', '__proto__', ''),
    fc.string(),
    {
      maxKeys: 2,
    },
  );
  return {
    exec: fc.oneof(
      argsOf({ argv }, { stdin: text, timeout_s: seconds, max_output_bytes: count, cwd: path }),
      argsOf({ command }, { stdin: text, timeout_s: seconds, cwd: path }),
      argsOf({}, { command, argv, cwd: path, env, stdin: text, timeout_s: seconds, max_output_bytes: count }),
    ),
    read_file: argsOf(
      { path },
      {
        offset: count,
        length: count,
        tail_lines: count,
        encoding: fc.constantFrom('utf8', 'base64', 'hex', 'UTF8'),
      },
    ),
    write_file: argsOf(
      { path, content: text },
      {
        encoding: fc.constantFrom('utf8', 'base64', 'hex'),
        mode: fc.constantFrom('0644', '644', '0600', '0755', '4755', '0o644', '999', '', '0644\n'),
        append: fc.boolean(),
        if_sha256: fc.oneof(
          fc.stringMatching(/^[0-9a-f]{64}$/),
          fc.constantFrom('0'.repeat(63), 'g'.repeat(64)),
        ),
        backup: fc.boolean(),
      },
    ),
    list_dir: argsOf({ path }, { hidden: fc.boolean() }),
    system_status: argsOf({}),
    processes: argsOf({}, { sort: fc.constantFrom('cpu', 'mem', 'pid'), limit: count }),
    service: argsOf(
      {
        unit: fc.oneof(
          fc.constantFrom('nginx', 'ssh.service', '-.mount', '--all', 'a@b.service', '../x'),
          text,
        ),
        action: fc.constantFrom('status', 'start', 'stop', 'restart', 'reload', 'enable', 'disable', 'mask'),
      },
      { user: fc.boolean() },
    ),
    logs: argsOf(
      {},
      {
        unit: fc.oneof(fc.constantFrom('ssh', '-f', '--since=today'), text),
        file: path,
        since: fc.oneof(
          fc.constantFrom('1 hour ago', '-1h', 'today', '2026-01-01 10:00', 'x'.repeat(65)),
          text,
        ),
        lines: count,
        grep: fc.oneof(fc.constantFrom('error', '(a+)+$', '(', '[', '\\', '-e', '--help', '^'), text),
      },
    ),
    tmux: argsOf(
      { action: fc.constantFrom('list', 'ensure', 'send_keys', 'capture', 'kill', 'attach') },
      {
        session: fc.oneof(fc.constantFrom('fuzz', 'mcp-fuzz', 'a:b', '-t', ''), text),
        command: fc.oneof(fc.constantFrom('echo hi', 'true', 'sh'), text),
        cwd: path,
        keys: text,
        enter: fc.boolean(),
        lines: count,
      },
    ),
  };
}

import { describeChar, forDisplay } from './decision.js';

/** Result of tokenizing or checking a command for allow-list mode. */
export type CommandLineResult =
  | { ok: true; argv: string[] }
  | {
      ok: false;
      reason: string;
      /** The refused character (or word, for an empty program name); `''` for an empty command. */
      offending: string;
    };

const SAFE_PUNCTUATION = new Set(['_', '-', '.', ',', '/', ':', '=', '@', '+', '^', ' ', '\t', "'", '"']);

/**
 * True for a character that may appear in an allow-list command: ASCII letters, digits, space, tab,
 * `_ - . , / : = @ + ^` and the two quote characters. This is an allow-list of characters on purpose:
 * listing the dangerous ones instead would miss the next one (a control character, a Unicode
 * look-alike such as `；` or `∣`, a shell's extension syntax).
 */
export function isSafeChar(ch: string): boolean {
  if (ch.length !== 1) return false;
  const cp = ch.charCodeAt(0);
  const isAlnum = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return isAlnum || SAFE_PUNCTUATION.has(ch);
}

/** The first character of `text` outside the safe set (whole code points), or `undefined`. */
export function findUnsafeChar(text: string): string | undefined {
  for (const ch of text) {
    if (!isSafeChar(ch)) return ch;
  }
  return undefined;
}

function refuseChar(ch: string, where: string): CommandLineResult {
  return {
    ok: false,
    reason:
      `character ${describeChar(ch)} is not allowed ${where} (only letters, digits, spaces and ` +
      `_ - . , / : = @ + ^ are accepted; shell syntax is refused even inside quotes)`,
    offending: ch,
  };
}

/** Shared checks on the program word: it must be non-empty and must not look like `NAME=value`. */
function checkProgram(program: string): CommandLineResult | undefined {
  if (program === '') return { ok: false, reason: 'the program name is empty', offending: program };
  if (program.includes('=')) {
    return {
      ok: false,
      reason:
        `first word '${forDisplay(program)}' contains '=' (an environment assignment such as ` +
        'X=1 cmd is not allowed; name the program first)',
      offending: '=',
    };
  }
  return undefined;
}

/**
 * Strict tokenizer for allow-list mode. Words are split on ASCII spaces and tabs; single and double
 * quotes only group (they are removed, with no escapes or expansions inside them, and adjacent pieces
 * join as in `sh`, so `a"b c"` is one word `ab c` and `''` is one empty word).
 *
 * Every character outside the safe set is refused, even inside quotes. The allow-list must not depend
 * on re-implementing shell quoting correctly: the argv produced here is executed WITHOUT a shell, so
 * there is nothing to quote for, and refusing `$`, `` ` ``, `;`, `|`, `*`, `~`, `\`, control and
 * non-ASCII characters outright means a string we accept means the same thing to us, to `sh`, and to
 * a human reading the audit log. Also refused: unbalanced quotes, an empty command, an empty program
 * name and a first word containing `=` (`X=1 cmd` would set the environment under a shell).
 */
export function parseCommandLine(command: string): CommandLineResult {
  const unsafe = findUnsafeChar(command);
  if (unsafe !== undefined) return refuseChar(unsafe, 'in an allow-list command');

  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (const ch of command) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) {
    return { ok: false, reason: `unbalanced quote ${describeChar(quote)} in the command`, offending: quote };
  }
  if (inWord) argv.push(word);

  const program = argv[0];
  if (program === undefined) return { ok: false, reason: 'the command is empty', offending: '' };
  return checkProgram(program) ?? { ok: true, argv };
}

/**
 * The same rule for an argv given directly: every element may contain only safe characters (quote
 * characters are taken literally here, which is harmless because no shell runs, and matches what a
 * quoted command can produce), the argv must be non-empty and its first word must not contain `=`.
 * Keeping the two forms equivalent means the argv form is not a way around the command form.
 */
export function checkArgv(argv: readonly string[]): CommandLineResult {
  const program = argv[0];
  if (program === undefined) return { ok: false, reason: 'the argv is empty', offending: '' };
  for (const [index, arg] of argv.entries()) {
    const unsafe = findUnsafeChar(arg);
    if (unsafe !== undefined) return refuseChar(unsafe, `in argv[${index}]`);
  }
  return checkProgram(program) ?? { ok: true, argv: [...argv] };
}

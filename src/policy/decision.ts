/**
 * The value every policy check returns. Policy never throws for a refusal: a refusal is an ordinary
 * result that the caller logs (by `ruleId`, which is stable and safe to branch on or count) and turns
 * into a tool error for the model (by `reason`, which is for humans and may change wording).
 */
export type Decision = {
  decision: 'allow' | 'deny';
  /** Stable identifier of the rule that decided, e.g. `exec.allow:ls` or `roots`. */
  ruleId: string;
  /** One short sentence naming what was allowed or refused and why. */
  reason: string;
};

/** Builds an `allow` decision. */
export function allow(ruleId: string, reason: string): Decision {
  return { decision: 'allow', ruleId, reason };
}

/** Builds a `deny` decision. */
export function deny(ruleId: string, reason: string): Decision {
  return { decision: 'deny', ruleId, reason };
}

/** Longest piece of caller input quoted in a reason; reasons are one line, not an echo of the input. */
const DISPLAY_MAX = 80;

/**
 * Renders caller-supplied text for inclusion in a reason: control and non-ASCII characters become
 * `\u{…}` escapes and long text is cut. Reasons end up in logs and in front of the model, so input
 * must not be able to inject newlines, terminal escapes or look-alike characters through them.
 */
export function forDisplay(text: string, max: number = DISPLAY_MAX): string {
  let out = '';
  let shown = 0;
  for (const ch of text) {
    if (shown >= max) return `${out}…`;
    out += isPrintableAscii(ch) ? ch : `\\u{${codePointHex(ch)}}`;
    shown += 1;
  }
  return out;
}

/**
 * Names one character for a reason: `';'` for printable ASCII, `U+FF1B` (with a hint for the
 * usual suspects) otherwise, so the operator can see which character in the input was refused.
 */
export function describeChar(ch: string): string {
  if (isPrintableAscii(ch)) return `'${ch}'`;
  const name = CHAR_NAMES[ch];
  const code = `U+${codePointHex(ch)}`;
  if (name !== undefined) return `${code} (${name})`;
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x80 ? `${code} (control character)` : `${code} (non-ASCII character)`;
}

const CHAR_NAMES: Readonly<Record<string, string>> = {
  '\0': 'NUL',
  '\n': 'newline',
  '\r': 'carriage return',
  '\v': 'vertical tab',
  '\f': 'form feed',
  '\x1b': 'escape',
  '\x7f': 'delete',
  '\u00a0': 'no-break space',
  '\u200b': 'zero-width space',
};

function isPrintableAscii(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return ch.length === 1 && cp >= 0x20 && cp <= 0x7e;
}

function codePointHex(ch: string): string {
  return (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

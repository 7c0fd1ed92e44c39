import { describe, expect, it } from 'vitest';
import { allow, deny, describeChar, forDisplay } from './decision.js';

describe('allow / deny', () => {
  it('build plain decision values', () => {
    expect(allow('a', 'ok')).toEqual({ decision: 'allow', ruleId: 'a', reason: 'ok' });
    expect(deny('b', 'no')).toEqual({ decision: 'deny', ruleId: 'b', reason: 'no' });
  });
});

describe('forDisplay', () => {
  it('keeps printable ASCII as is', () => {
    expect(forDisplay('ls -la /tmp')).toBe('ls -la /tmp');
  });

  it('escapes control and non-ASCII characters so reasons stay one safe line', () => {
    expect(forDisplay('a\nb')).toBe('a\\u{000A}b');
    expect(forDisplay('ls\u001b[31m')).toBe('ls\\u{001B}[31m');
    expect(forDisplay('ls；id')).toBe('ls\\u{FF1B}id');
    expect(forDisplay('😀')).toBe('\\u{1F600}');
  });

  it('cuts long text', () => {
    const shown = forDisplay('x'.repeat(10_000));
    expect(shown).toBe(`${'x'.repeat(80)}…`);
    expect(forDisplay('abcdef', 3)).toBe('abc…');
    expect(forDisplay('abc', 3)).toBe('abc');
  });
});

describe('describeChar', () => {
  it('quotes printable ASCII', () => {
    expect(describeChar(';')).toBe("';'");
  });

  it('names control, invisible and look-alike characters by code point', () => {
    expect(describeChar('\n')).toBe('U+000A (newline)');
    expect(describeChar('\0')).toBe('U+0000 (NUL)');
    expect(describeChar('\u0007')).toBe('U+0007 (control character)');
    expect(describeChar('\u00a0')).toBe('U+00A0 (no-break space)');
    expect(describeChar('\u200b')).toBe('U+200B (zero-width space)');
    expect(describeChar('；')).toBe('U+FF1B (non-ASCII character)');
  });
});

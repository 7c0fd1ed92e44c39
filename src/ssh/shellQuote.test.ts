import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellGlob, shellQuote } from './shellQuote.js';

/** Runs `printf '%s\n' <word>` in a real /bin/sh and returns what the shell made of the word. */
function throughShell(word: string): string {
  return execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${word}`], { encoding: 'utf8' });
}

describe('shellQuote', () => {
  it.each([
    'plain',
    'two words',
    "it's",
    '$(touch /tmp/pwned)',
    '`id`',
    'a;b&&c||d|e',
    'line1\nline2',
    "'''",
    '',
    '*',
    '~root',
    'ünïcødé',
  ])('keeps %j one literal word in a real sh', (value) => {
    expect(throughShell(shellQuote(value))).toBe(`${value}\n`);
  });

  it('refuses NUL, which no argument can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shellGlob', () => {
  it('leaves *, ? and simple brackets special and everything else literal', () => {
    expect(shellGlob('/proc/[0-9]*/stat')).toBe('/proc/[0-9]*/stat');
    expect(shellGlob('/sys/class/net/*/address')).toBe('/sys/class/net/*/address');
    expect(shellGlob('/tmp/a b/$(x)*')).toBe("'/tmp/a b/$(x)'*");
    expect(shellGlob('/x/[$(id)]')).toBe("'/x/[$(id)]'");
  });

  it('expands in a real sh the way the pattern says', () => {
    const out = throughShell(shellGlob('/proc/[0-9]*/stat')).trim().split('\n');
    expect(out.length).toBeGreaterThan(0);
    for (const path of out) expect(path).toMatch(/^\/proc\/\d+\/stat$/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCmdline } from './cmdline.js';

describe('parseCmdline', () => {
  it('splits a real NUL-separated cmdline and ignores the trailing NUL', () => {
    const text = readFileSync(new URL('./samples/cmdline-sh.bin', import.meta.url), 'utf8');
    expect(text.endsWith('\0')).toBe(true);
    expect(parseCmdline(text)).toEqual(['sh', '-c', 'cat /proc/$$/cmdline', 'x', 'arg with space']);
  });

  it('keeps spaces inside arguments and empty arguments', () => {
    expect(parseCmdline(['sh', '-c', 'echo hello world', '', ''].join('\0'))).toEqual([
      'sh',
      '-c',
      'echo hello world',
      '',
    ]);
  });

  it('accepts a command line without the trailing NUL', () => {
    expect(parseCmdline('tmux: server')).toEqual(['tmux: server']);
  });

  it('returns an empty list for kernel threads and passes garbage through without throwing', () => {
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('\0')).toEqual(['']);
    expect(parseCmdline('\u00ff\u0001\ufffd')).toEqual(['\u00ff\u0001\ufffd']);
  });
});

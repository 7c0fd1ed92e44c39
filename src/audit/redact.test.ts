import { describe, expect, it } from 'vitest';
import { redactArguments } from './redact.js';

describe('redactArguments', () => {
  it('records a __proto__ argument key as an ordinary key instead of swapping the prototype', () => {
    const args = JSON.parse('{"__proto__": {"polluted": true}, "path": "/tmp/x"}');
    const out = redactArguments(args) as Record<string, unknown>;
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"path":"/tmp/x"}');
    expect(Object.keys(out)).toEqual(['__proto__', 'path']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cuts nesting deeper than 32 with a marker instead of overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const out = JSON.stringify(redactArguments({ action: deep }));
    expect(out).toContain('[nested deeper than 32]');
    expect(out).not.toContain('leaf');
    // Arrays count as levels too.
    let list: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) list = [list];
    expect(JSON.stringify(redactArguments(list))).toContain('[nested deeper than 32]');
  });

  it('redacts everything under a secret-looking key, objects and arrays included', () => {
    expect(redactArguments({ password: { value: 'x' }, api_key: ['a'], token: null })).toEqual({
      password: '[redacted]',
      api_key: '[redacted]',
      token: null,
    });
  });

  it('redacts secret-looking keys, env values and bulk data', () => {
    const out = redactArguments({ token: 't', env: { A: 'b' }, content: 'hello', argv: ['ls'] });
    expect(out).toEqual({
      token: '[redacted]',
      env: { A: '[redacted]' },
      content: { bytes: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      argv: ['ls'],
    });
  });
});

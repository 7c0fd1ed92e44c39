import { describe, expect, it } from 'vitest';
import {
  literalArgs,
  parseTemplate,
  placeholders,
  renderArgs,
  renderTemplate,
  stringsIn,
} from './template.js';

function parsed(text: string) {
  const result = parseTemplate(text);
  if ('error' in result) throw new Error(result.error);
  return result.template;
}

describe('parseTemplate', () => {
  it('splits text and placeholders, and unescapes doubled braces', () => {
    expect(parsed('{app_dir}/venv/bin/python')).toEqual([
      { kind: 'param', name: 'app_dir' },
      { kind: 'text', text: '/venv/bin/python' },
    ]);
    expect(parsed('a{{b}}c')).toEqual([{ kind: 'text', text: 'a{b}c' }]);
    expect(parsed('{{{x}}}')).toEqual([
      { kind: 'text', text: '{' },
      { kind: 'param', name: 'x' },
      { kind: 'text', text: '}' },
    ]);
    expect(parsed('')).toEqual([]);
    expect(placeholders(parsed('--{a}={b}{a}'))).toEqual(['a', 'b', 'a']);
  });

  it('refuses stray braces, so { x } or a lone brace is reported instead of passed on', () => {
    for (const bad of ['$' + '{HOME', 'a}b', '{ app }', '{1}', '{a-b}', '{']) {
      const result = parseTemplate(bad);
      expect('error' in result ? result.error : '').toMatch(/stray "[{}]"/);
    }
  });
});

describe('renderTemplate', () => {
  it('inserts values in one pass: a value that looks like a placeholder stays literal', () => {
    expect(renderTemplate(parsed('x={a}'), { a: '{b}', b: 'no' })).toBe('x={b}');
    expect(renderTemplate(parsed('{n}-{f}'), { n: 3, f: false })).toBe('3-false');
  });

  it('refuses a missing value rather than writing "undefined"', () => {
    expect(() => renderTemplate(parsed('{a}'), {})).toThrow(/no value for parameter a/);
  });
});

describe('renderArgs', () => {
  it('fills nested strings and keeps a lone integer or boolean placeholder typed', () => {
    const args = { unit: '{unit}.service', user: '{user}', lines: '{lines}', tags: ['{unit}', 'x'], n: 5 };
    expect(renderArgs(args, { unit: 'web', user: true, lines: 20 })).toEqual({
      unit: 'web.service',
      user: true,
      lines: 20,
      tags: ['web', 'x'],
      n: 5,
    });
  });
});

describe('literalArgs and stringsIn', () => {
  it('unescapes braces of literal strings and leaves templated ones alone', () => {
    expect(literalArgs({ a: '{{x}}', b: '{y}', c: [1, '{{'] })).toEqual({ a: '{x}', b: '{y}', c: [1, '{'] });
  });

  it('finds every string with its path', () => {
    expect(stringsIn({ a: 'x', b: [1, 'y'], c: { d: 'z' } }, ['args'])).toEqual([
      { path: ['args', 'a'], text: 'x' },
      { path: ['args', 'b', 1], text: 'y' },
      { path: ['args', 'c', 'd'], text: 'z' },
    ]);
  });
});

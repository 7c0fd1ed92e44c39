import { describe, expect, it } from 'vitest';
import { applyYamlChanges } from './yamlSplice.js';

describe('YAML changes that keep the text', () => {
  it('replaces a scalar in place, quoting as needed', () => {
    const text = 'hub:\n  url: http://a/mcp   # mine\n';
    expect(applyYamlChanges(text, [{ path: ['hub', 'url'], value: 'http://b/mcp' }])).toBe(
      'hub:\n  url: http://b/mcp   # mine\n',
    );
    expect(applyYamlChanges('a:\n  b: x\n', [{ path: ['a', 'b'], value: 'yes: no' }])).toBe(
      'a:\n  b: "yes: no"\n',
    );
  });

  it('removes a multi-line entry and only it', () => {
    const text = 'm:\n  a:\n    x: 1\n    y: [1, 2]\n  b: 2 # keep\n';
    expect(applyYamlChanges(text, [{ path: ['m', 'a'], value: undefined }])).toBe('m:\n  b: 2 # keep\n');
  });

  it('appends to a block map at its own indentation', () => {
    const text = 'top:\n    a: 1\nnext: 2\n';
    expect(applyYamlChanges(text, [{ path: ['top', 'b'], value: { c: ['x', 'y'] } }])).toBe(
      'top:\n    a: 1\n    b:\n      c: [x, y]\nnext: 2\n',
    );
  });

  it('makes a map under a key holding nothing but comments', () => {
    const out = applyYamlChanges('devices:\n  # none yet\nnext: 1\n', [
      { path: ['devices', 'x'], value: { local: true } },
    ]);
    expect(out).toMatch(/^devices:\n {2}x:\n {4}local: true\n/);
    expect(out).toContain('# none yet');
    expect(out).toContain('next: 1');
  });

  it('creates missing parents and an empty document', () => {
    expect(applyYamlChanges('', [{ path: ['hub', 'url'], value: 'u' }])).toBe('hub:\n  url: u\n');
    expect(applyYamlChanges('# c\n', [{ path: ['fleet'], value: '/f' }])).toBe('# c\n\nfleet: /f\n');
  });
});

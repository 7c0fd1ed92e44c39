import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createYamlEditor, deleteIn, setIn } from './yamlEdit.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const golden = (name: string) => readFileSync(join(GOLDEN, name), 'utf8');

describe('golden edits', () => {
  // Each step is the previous file plus one edit; the goldens were checked by eye once and pin
  // every byte, so any drift outside the edited entries fails here.
  const everything = {
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-everything@2026.1.26'],
    tools: { include: ['echo', 'add'] },
    description: 'the reference test server',
  };

  it('adds a server and changes nothing else', () => {
    const editor = createYamlEditor(golden('fleet.before.yaml'));
    editor.set(['servers', 'everything'], everything);
    expect(editor.text).toBe(golden('fleet.added.yaml'));
  });

  it('disables servers written in block and flow style', () => {
    const editor = createYamlEditor(golden('fleet.added.yaml'));
    editor.set(['servers', 'files', 'enabled'], false);
    editor.set(['servers', 'homeassistant', 'enabled'], false);
    editor.set(['servers', 'everything', 'enabled'], false);
    expect(editor.text).toBe(golden('fleet.disabled.yaml'));
  });

  it('removes servers and keeps the comments around them', () => {
    const editor = createYamlEditor(golden('fleet.disabled.yaml'));
    expect(editor.delete(['servers', 'files'])).toBe(true);
    expect(editor.delete(['servers', 'homeassistant'])).toBe(true);
    expect(editor.delete(['servers', 'homeassistant'])).toBe(false);
    expect(editor.text).toBe(golden('fleet.removed.yaml'));
  });

  it('keeps every byte before and after the added entry', () => {
    const before = golden('fleet.before.yaml');
    const after = golden('fleet.added.yaml');
    const at = before.indexOf('    enabled: true # on for now\n') + '    enabled: true # on for now\n'.length;
    expect(after.startsWith(before.slice(0, at))).toBe(true);
    expect(after.endsWith(before.slice(at))).toBe(true);
  });

  it('reads what it wrote, and tells present from absent', () => {
    const editor = createYamlEditor(golden('fleet.before.yaml'));
    expect(editor.has(['servers', 'everything'])).toBe(false);
    editor.set(['servers', 'everything'], everything);
    expect(editor.get(['servers', 'everything'])).toEqual(everything);
    expect(editor.get(['servers', 'files', 'enabled'])).toBe(true);
  });
});

describe('checked edits', () => {
  it('an edit that would also change an alias of the edited node is refused', () => {
    const text = 'a: &x { u: 1 }\nb: *x\n';
    expect(() => setIn(text, ['a', 'u'], 2)).toThrow(/cannot change a\.u in place.*edit it by hand/);
    expect(() => deleteIn('a: &x\n  u: 1\n  v: 2\nb: *x\n', ['a', 'v'])).toThrow(
      expect.objectContaining({ code: 'USAGE', data: { path: 'a.v' } }),
    );
  });

  it('an edit that would leave the YAML broken (an alias of what it removes) is refused', () => {
    expect(() => deleteIn('a: &x 1\nb: *x\n', ['a'])).toThrow(/cannot change a in place/);
  });

  it('values that YAML writes oddly still mean what was asked', () => {
    const value = { s: '007', t: 'true', n: null, e: '', multi: 'one\ntwo', list: ['a', '- b', '#c'] };
    const out = setIn('top: { x: 1 }\n', ['top', 'v'], value);
    expect(createYamlEditor(out).get(['top', 'v'])).toEqual(value);
    expect(createYamlEditor(setIn('k: 1\n', ['k'], 'yes')).get(['k'])).toBe('yes');
  });

  it('keys set to undefined are left out, as the YAML written for them has none', () => {
    const out = setIn('servers: {}\n', ['servers', 'a'], { url: 'http://a', description: undefined });
    expect(out).toBe('servers:\n  a:\n    url: http://a\n');
  });

  it('removing what is not there is no change', () => {
    expect(deleteIn('a: 1\n', ['b', 'c'])).toBe('a: 1\n');
  });
});

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getIn, spliceDelete, spliceSet } from './yamlSplice.js';

describe('spliceSet', () => {
  it('adds an entry after the last one of a block map, at its indentation', () => {
    const text = 'servers:\n  a:\n    url: http://a\n# after servers\nz: 1\n';
    const out = spliceSet(text, ['servers', 'b'], { command: 'node', args: ['x.js'] });
    expect(out).toBe(
      'servers:\n  a:\n    url: http://a\n  b:\n    command: node\n    args: [x.js]\n# after servers\nz: 1\n',
    );
  });

  it('creates the map when it is missing, empty or null', () => {
    expect(spliceSet('', ['servers', 'a'], { url: 'http://a' })).toBe('servers:\n  a:\n    url: http://a\n');
    expect(spliceSet('# just a comment', ['servers', 'a'], { url: 'http://a' })).toBe(
      '# just a comment\nservers:\n  a:\n    url: http://a\n',
    );
    expect(spliceSet('listen: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'listen: x\nservers:\n  a:\n    url: http://a\n',
    );
    expect(spliceSet('servers:\nlisten: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'servers:\n  a:\n    url: http://a\nlisten: x\n',
    );
    expect(spliceSet('servers: {}\nlisten: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'servers:\n  a:\n    url: http://a\nlisten: x\n',
    );
  });

  it('replaces a plain value in place and keeps the comment after it', () => {
    const text = 'servers:\n  a:\n    url: http://a\n    enabled: true # on\n';
    expect(spliceSet(text, ['servers', 'a', 'enabled'], false)).toBe(
      'servers:\n  a:\n    url: http://a\n    enabled: false # on\n',
    );
  });

  it('adds to a flow map inside its braces', () => {
    const text = 'servers:\n  a: { url: "http://a", tools: { exclude: [x] } } # flow\n';
    const out = spliceSet(text, ['servers', 'a', 'enabled'], false);
    expect(out).toBe('servers:\n  a: { url: "http://a", tools: { exclude: [x] }, enabled: false } # flow\n');
    expect(spliceSet(out, ['servers', 'a', 'enabled'], true)).toBe(
      'servers:\n  a: { url: "http://a", tools: { exclude: [x] }, enabled: true } # flow\n',
    );
  });

  it('replaces a whole entry where it stands, leaving its neighbours alone', () => {
    const text = 'servers:\n  a: { url: "http://a" }\n  b:\n    url: http://b\n\n  c: { url: "http://c" }\n';
    const out = spliceSet(text, ['servers', 'b'], { command: 'node' });
    expect(out).toBe(
      'servers:\n  a: { url: "http://a" }\n  b:\n    command: node\n\n  c: { url: "http://c" }\n',
    );
  });

  it('quotes what YAML would misread, and reads back the same values', () => {
    const value = {
      command: 'npx',
      args: ['-y', '@scope/pkg@1.0.0', 'yes', '#x', 'a: b'],
      env: { N: '007' },
    };
    const out = spliceSet('', ['servers', 'a'], value);
    expect(parse(out)).toEqual({ servers: { a: value } });
  });

  it('keeps CRLF line ends', () => {
    const out = spliceSet('servers:\r\n  a:\r\n    url: http://a\r\n', ['servers', 'b'], { url: 'http://b' });
    expect(out).toBe('servers:\r\n  a:\r\n    url: http://a\r\n  b:\r\n    url: http://b\r\n');
  });

  it('replaces a scalar in place, quoting as needed', () => {
    const text = 'hub:\n  url: http://a/mcp   # mine\n';
    expect(spliceSet(text, ['hub', 'url'], 'http://b/mcp')).toBe('hub:\n  url: http://b/mcp   # mine\n');
    expect(spliceSet('a:\n  b: x\n', ['a', 'b'], 'yes: no')).toBe('a:\n  b: "yes: no"\n');
  });

  it('appends to a block map at its own indentation', () => {
    const text = 'top:\n    a: 1\nnext: 2\n';
    expect(spliceSet(text, ['top', 'b'], { c: ['x', 'y'] })).toBe(
      'top:\n    a: 1\n    b:\n      c: [x, y]\nnext: 2\n',
    );
  });

  it('makes a map under a key holding nothing but comments', () => {
    const out = spliceSet('devices:\n  # none yet\nnext: 1\n', ['devices', 'x'], { local: true });
    expect(out).toMatch(/^devices:\n {2}x:\n {4}local: true\n/);
    expect(out).toContain('# none yet');
    expect(out).toContain('next: 1');
  });

  it('creates missing parents in an empty document, and adds after leading comments', () => {
    expect(spliceSet('', ['hub', 'url'], 'u')).toBe('hub:\n  url: u\n');
    expect(spliceSet('# c\n', ['fleet'], '/f')).toBe('# c\nfleet: /f\n');
    expect(spliceSet('# c\n\n', ['fleet'], '/f')).toBe('# c\n\nfleet: /f\n');
  });

  it('refuses to build on a value that is not a map', () => {
    expect(() => spliceSet('servers: [a]\n', ['servers', 'b'], {})).toThrow(/servers is not a map/);
    expect(() => spliceSet('servers: {\n', ['servers', 'b'], {})).toThrow(/not valid YAML/);
  });
});

describe('spliceDelete', () => {
  it('removes a block entry with its lines and keeps the comments above it', () => {
    const text = 'servers:\n  # about a\n  a:\n    url: http://a # here\n  b: { url: "http://b" }\nz: 1\n';
    expect(spliceDelete(text, ['servers', 'a'])).toBe(
      'servers:\n  # about a\n  b: { url: "http://b" }\nz: 1\n',
    );
  });

  it('leaves an empty map as {} rather than null', () => {
    expect(spliceDelete('servers: # mine\n  a:\n    url: http://a\nz: 1\n', ['servers', 'a'])).toBe(
      'servers: {} # mine\nz: 1\n',
    );
    expect(spliceDelete('servers: { a: { url: "http://a" } }\n', ['servers', 'a'])).toBe('servers: {}\n');
  });

  it('removes an entry of a flow map with its comma', () => {
    expect(spliceDelete('a: { x: 1, y: 2, z: 3 }\n', ['a', 'y'])).toBe('a: { x: 1, z: 3 }\n');
    expect(spliceDelete('a: { x: 1, y: 2 }\n', ['a', 'y'])).toBe('a: { x: 1 }\n');
  });

  it('removes a multi-line entry and only it', () => {
    const text = 'm:\n  a:\n    x: 1\n    y: [1, 2]\n  b: 2 # keep\n';
    expect(spliceDelete(text, ['m', 'a'])).toBe('m:\n  b: 2 # keep\n');
  });

  it('returns the text unchanged when there is nothing to remove', () => {
    const text = 'servers:\n  a:\n    url: http://a\n';
    expect(spliceDelete(text, ['servers', 'b'])).toBe(text);
    expect(spliceDelete(text, ['hubs', 'b'])).toBe(text);
  });
});

describe('getIn', () => {
  it('reads plain values, and tells absent from null', () => {
    const text = 'servers:\n  a: { url: "http://a", enabled: false }\nhubs:\n';
    expect(getIn(text, ['servers', 'a', 'enabled'])).toBe(false);
    expect(getIn(text, ['servers', 'b'])).toBeUndefined();
    expect(getIn(text, ['hubs'])).toBeNull();
  });
});

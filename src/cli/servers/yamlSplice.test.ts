import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deleteIn, getIn, setIn } from './yamlSplice.js';

describe('setIn', () => {
  it('adds an entry after the last one of a block map, at its indentation', () => {
    const text = 'servers:\n  a:\n    url: http://a\n# after servers\nz: 1\n';
    const out = setIn(text, ['servers', 'b'], { command: 'node', args: ['x.js'] });
    expect(out).toBe(
      'servers:\n  a:\n    url: http://a\n  b:\n    command: node\n    args: [x.js]\n# after servers\nz: 1\n',
    );
  });

  it('creates the map when it is missing, empty or null', () => {
    expect(setIn('', ['servers', 'a'], { url: 'http://a' })).toBe('servers:\n  a:\n    url: http://a\n');
    expect(setIn('# just a comment', ['servers', 'a'], { url: 'http://a' })).toBe(
      '# just a comment\nservers:\n  a:\n    url: http://a\n',
    );
    expect(setIn('listen: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'listen: x\nservers:\n  a:\n    url: http://a\n',
    );
    expect(setIn('servers:\nlisten: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'servers:\n  a:\n    url: http://a\nlisten: x\n',
    );
    expect(setIn('servers: {}\nlisten: x\n', ['servers', 'a'], { url: 'http://a' })).toBe(
      'servers:\n  a:\n    url: http://a\nlisten: x\n',
    );
  });

  it('replaces a plain value in place and keeps the comment after it', () => {
    const text = 'servers:\n  a:\n    url: http://a\n    enabled: true # on\n';
    expect(setIn(text, ['servers', 'a', 'enabled'], false)).toBe(
      'servers:\n  a:\n    url: http://a\n    enabled: false # on\n',
    );
  });

  it('adds to a flow map inside its braces', () => {
    const text = 'servers:\n  a: { url: "http://a", tools: { exclude: [x] } } # flow\n';
    const out = setIn(text, ['servers', 'a', 'enabled'], false);
    expect(out).toBe('servers:\n  a: { url: "http://a", tools: { exclude: [x] }, enabled: false } # flow\n');
    expect(setIn(out, ['servers', 'a', 'enabled'], true)).toBe(
      'servers:\n  a: { url: "http://a", tools: { exclude: [x] }, enabled: true } # flow\n',
    );
  });

  it('replaces a whole entry where it stands, leaving its neighbours alone', () => {
    const text = 'servers:\n  a: { url: "http://a" }\n  b:\n    url: http://b\n\n  c: { url: "http://c" }\n';
    const out = setIn(text, ['servers', 'b'], { command: 'node' });
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
    const out = setIn('', ['servers', 'a'], value);
    expect(parse(out)).toEqual({ servers: { a: value } });
  });

  it('keeps CRLF line ends', () => {
    const out = setIn('servers:\r\n  a:\r\n    url: http://a\r\n', ['servers', 'b'], { url: 'http://b' });
    expect(out).toBe('servers:\r\n  a:\r\n    url: http://a\r\n  b:\r\n    url: http://b\r\n');
  });

  it('refuses to build on a value that is not a map', () => {
    expect(() => setIn('servers: [a]\n', ['servers', 'b'], {})).toThrow(/servers is not a map/);
    expect(() => setIn('servers: {\n', ['servers', 'b'], {})).toThrow(/not valid YAML/);
  });
});

describe('deleteIn', () => {
  it('removes a block entry with its lines and keeps the comments above it', () => {
    const text = 'servers:\n  # about a\n  a:\n    url: http://a # here\n  b: { url: "http://b" }\nz: 1\n';
    expect(deleteIn(text, ['servers', 'a'])).toBe('servers:\n  # about a\n  b: { url: "http://b" }\nz: 1\n');
  });

  it('leaves an empty map as {} rather than null', () => {
    expect(deleteIn('servers: # mine\n  a:\n    url: http://a\nz: 1\n', ['servers', 'a'])).toBe(
      'servers: {} # mine\nz: 1\n',
    );
    expect(deleteIn('servers: { a: { url: "http://a" } }\n', ['servers', 'a'])).toBe('servers: {}\n');
  });

  it('removes an entry of a flow map with its comma', () => {
    expect(deleteIn('a: { x: 1, y: 2, z: 3 }\n', ['a', 'y'])).toBe('a: { x: 1, z: 3 }\n');
    expect(deleteIn('a: { x: 1, y: 2 }\n', ['a', 'y'])).toBe('a: { x: 1 }\n');
  });

  it('returns the text unchanged when there is nothing to remove', () => {
    const text = 'servers:\n  a:\n    url: http://a\n';
    expect(deleteIn(text, ['servers', 'b'])).toBe(text);
    expect(deleteIn(text, ['hubs', 'b'])).toBe(text);
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

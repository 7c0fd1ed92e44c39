import { describe, expect, it } from 'vitest';
import type { FleetError } from '../errors/index.js';
import { type JsonFlavor, readJsonEntries, removeJsonEntry, setJsonEntry } from './jsonEdit.js';

const JSON_STRICT: JsonFlavor = { comments: false, trailingCommas: false };
const JSONC: JsonFlavor = { comments: true, trailingCommas: true };
const ENTRY = { command: 'node', args: ['hub.js'] };

function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (error) {
    return error as FleetError;
  }
  throw new Error('expected an error');
}

/** install then remove, as the callers do it; returns the inserted text too. */
function roundTrip(
  text: string,
  path: string[],
  flavor = JSON_STRICT,
): { inserted: string; removed: string } {
  const set = setJsonEntry(text, 'f.json', flavor, path, 'fleet', ENTRY);
  const removed = removeJsonEntry(set.text, 'f.json', flavor, path, 'fleet', set.createdPath);
  return { inserted: set.text, removed: removed.emptyCreatedDocument ? '' : removed.text };
}

describe('readJsonEntries', () => {
  it('reads the map at a path, undefined when it is absent', () => {
    const text = '{"projects": {"/p": {"mcpServers": {"a": {"command": "x"}}}}}';
    expect(readJsonEntries(text, 'f', JSON_STRICT, ['projects', '/p', 'mcpServers'])).toEqual({
      a: { command: 'x' },
    });
    expect(readJsonEntries(text, 'f', JSON_STRICT, ['mcpServers'])).toBeUndefined();
    expect(readJsonEntries('', 'f', JSON_STRICT, ['mcpServers'])).toBeUndefined();
  });

  it('refuses invalid JSON naming file, line and column', () => {
    const error = thrown(() =>
      readJsonEntries('{\n  "a": 1,\n  "b": }\n', '/x/claude.json', JSON_STRICT, ['mcpServers']),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'cannot edit /x/claude.json: invalid JSON (ValueExpected) at line 3, column 8 (the file was not changed)',
    );
    expect(error.data).toEqual({ file: '/x/claude.json', line: 3, column: 8 });
  });

  it('takes comments only where the client does', () => {
    const text = '{\n  // mine\n  "servers": {},\n}\n';
    expect(readJsonEntries(text, 'f', JSONC, ['servers'])).toEqual({});
    expect(thrown(() => readJsonEntries(text, 'f', JSON_STRICT, ['servers'])).message).toMatch(
      /InvalidCommentToken\) at line 2, column 3/,
    );
  });

  it('refuses a top level that is not an object, a map that is not an object, and duplicate keys', () => {
    expect(thrown(() => readJsonEntries('[1]', 'f', JSON_STRICT, ['m'])).message).toMatch(
      /top level is not an object/,
    );
    expect(thrown(() => readJsonEntries('{"m": []}', 'f', JSON_STRICT, ['m'])).message).toMatch(
      /"m" is not an object/,
    );
    expect(thrown(() => readJsonEntries('{"m": {}, "m": {}}', 'f', JSON_STRICT, ['m'])).message).toMatch(
      /duplicate key "m"/,
    );
    expect(thrown(() => readJsonEntries('{"m": {"a": 1, "a": 2}}', 'f', JSON_STRICT, ['m'])).message).toMatch(
      /duplicate key "a"/,
    );
  });
});

describe('setJsonEntry and removeJsonEntry', () => {
  it('round-trips byte for byte in every layout', () => {
    const layouts = [
      '{\n  "mcpServers": {\n    "a": { "command": "x" }\n  }\n}\n',
      '{\n  "mcpServers": {}\n}\n',
      '{\n  "theme": "dark"\n}',
      '{"theme":"dark"}',
      '{}',
      '{ "mcpServers": { "a": 1 } }\n',
      '{\r\n\t"mcpServers": {\r\n\t\t"a": 1\r\n\t}\r\n}\r\n',
      '{\n    "other": [1, 2],\n    "mcpServers": {\n        "a": {}\n    },\n    "z": null\n}\n',
    ];
    for (const text of layouts) expect(roundTrip(text, ['mcpServers']).removed).toBe(text);
  });

  it('round-trips JSONC with comments and trailing commas next to the entry', () => {
    const text = '{\n  "servers": {\n    "a": {},  // first\n    /* last */\n  },\n}\n';
    const { inserted, removed } = roundTrip(text, ['servers'], JSONC);
    expect(inserted).toBe(
      '{\n  "servers": {\n    "a": {},\n    "fleet": {\n      "command": "node",\n      "args": [\n        "hub.js"\n      ]\n    },  // first\n    /* last */\n  },\n}\n',
    );
    expect(removed).toBe(text);
  });

  it('keeps indentation (tabs, four spaces) and line ends (CRLF) of the file', () => {
    const tabs = setJsonEntry(
      '{\r\n\t"m": {\r\n\t\t"a": 1\r\n\t}\r\n}\r\n',
      'f',
      JSON_STRICT,
      ['m'],
      'fleet',
      { x: [1] },
    );
    expect(tabs.text).toBe(
      '{\r\n\t"m": {\r\n\t\t"a": 1,\r\n\t\t"fleet": {\r\n\t\t\t"x": [\r\n\t\t\t\t1\r\n\t\t\t]\r\n\t\t}\r\n\t}\r\n}\r\n',
    );
  });

  it('creates the missing objects on the way and takes them away again', () => {
    const text = '{\n  "projects": {\n    "/p": {\n      "allowedTools": []\n    }\n  }\n}\n';
    const deep = ['projects', '/p', 'mcpServers'];
    const set = setJsonEntry(text, 'f', JSON_STRICT, deep, 'fleet', ENTRY);
    expect(set.createdPath).toEqual(['projects', '/p', 'mcpServers']);
    expect(readJsonEntries(set.text, 'f', JSON_STRICT, deep)).toEqual({ fleet: ENTRY });
    expect(removeJsonEntry(set.text, 'f', JSON_STRICT, deep, 'fleet', set.createdPath).text).toBe(text);

    const missingProject = setJsonEntry('{\n  "projects": {}\n}\n', 'f', JSON_STRICT, deep, 'fleet', ENTRY);
    expect(missingProject.createdPath).toEqual(['projects', '/p']);
    expect(
      removeJsonEntry(missingProject.text, 'f', JSON_STRICT, deep, 'fleet', ['projects', '/p']).text,
    ).toBe('{\n  "projects": {}\n}\n');
  });

  it('keeps an object it created when something else was added to it since', () => {
    const set = setJsonEntry('{}', 'f', JSON_STRICT, ['mcpServers'], 'fleet', ENTRY);
    const withOther = setJsonEntry(set.text, 'f', JSON_STRICT, ['mcpServers'], 'mine', { url: 'u' }).text;
    const removed = removeJsonEntry(withOther, 'f', JSON_STRICT, ['mcpServers'], 'fleet', set.createdPath);
    expect(removed.emptyCreatedDocument).toBe(false);
    expect(readJsonEntries(removed.text, 'f', JSON_STRICT, ['mcpServers'])).toEqual({ mine: { url: 'u' } });
  });

  it('without a record of what install created, leaves the emptied map in place', () => {
    const set = setJsonEntry('{}', 'f', JSON_STRICT, ['mcpServers'], 'fleet', ENTRY);
    expect(removeJsonEntry(set.text, 'f', JSON_STRICT, ['mcpServers'], 'fleet', null).text).toBe(
      '{\n  "mcpServers": {}\n}',
    );
  });

  it('an empty document becomes the whole entry, and removing it says the document is empty', () => {
    const set = setJsonEntry('', 'f', JSON_STRICT, ['mcpServers'], 'fleet', ENTRY);
    expect(JSON.parse(set.text)).toEqual({ mcpServers: { fleet: ENTRY } });
    expect(set.createdPath).toEqual([]);
    expect(
      removeJsonEntry(set.text, 'f', JSON_STRICT, ['mcpServers'], 'fleet', []).emptyCreatedDocument,
    ).toBe(true);
  });

  it('replaces an existing entry in place, leaving its neighbours alone', () => {
    const text = '{\n  "m": {\n    "fleet": {"command": "old"},\n    "b": { "x": 1 }\n  }\n}\n';
    const set = setJsonEntry(text, 'f', JSON_STRICT, ['m'], 'fleet', { command: 'new' });
    expect(set.text).toBe(
      '{\n  "m": {\n    "fleet": {\n      "command": "new"\n    },\n    "b": { "x": 1 }\n  }\n}\n',
    );
    expect(set.createdPath).toBeNull();
  });

  it('removes a first member up to its neighbour, and an absent name is no change', () => {
    const text = '{\n  "m": {\n    "fleet": 1,\n    "b": 2\n  }\n}\n';
    expect(removeJsonEntry(text, 'f', JSON_STRICT, ['m'], 'fleet', null).text).toBe(
      '{\n  "m": {\n    "b": 2\n  }\n}\n',
    );
    expect(removeJsonEntry(text, 'f', JSON_STRICT, ['m'], 'nope', null).text).toBe(text);
    expect(removeJsonEntry(text, 'f', JSON_STRICT, ['x'], 'fleet', null).text).toBe(text);
  });
});

describe('documents of comments only, neighbours, byte order marks', () => {
  const JSON_COMMENTS: JsonFlavor = { comments: true, trailingCommas: false };

  it('keeps a document of comments only: the object goes after them, remove gives the bytes back', () => {
    for (const text of [
      '// my settings\n',
      '// my settings, no final newline',
      '/* block */',
      '\r\n// crlf\r\n\r\n',
      '\n\n',
      '   ',
    ]) {
      const set = setJsonEntry(text, 'f', JSONC, ['servers'], 'fleet', ENTRY);
      expect(set.text.startsWith(text)).toBe(true);
      expect(set.createdPath).toEqual([]);
      expect(readJsonEntries(set.text, 'f', JSONC, ['servers'])).toEqual({ fleet: ENTRY });
      const removed = removeJsonEntry(set.text, 'f', JSONC, ['servers'], 'fleet', [], set.addedFinalNewline);
      expect(removed).toEqual({ text, emptyCreatedDocument: true });
    }
    const noNewline = setJsonEntry('// x', 'f', JSON_COMMENTS, ['mcpServers'], 'fleet', 1);
    expect(noNewline).toEqual({
      text: '// x\n{\n  "mcpServers": {\n    "fleet": 1\n  }\n}\n',
      createdPath: [],
      addedFinalNewline: true,
    });
  });

  it('removing a member that is not the last keeps the comments of its neighbours', () => {
    const text = [
      '{',
      '  "servers": {',
      '    "a": 1, // about a',
      '    // about the next one',
      '    "fleet": {',
      '      "command": "x"',
      '    }, // the hub',
      '    /* about b */',
      '    "b": 2',
      '  }',
      '}',
      '',
    ].join('\n');
    expect(removeJsonEntry(text, 'f', JSONC, ['servers'], 'fleet', null).text).toBe(
      [
        '{',
        '  "servers": {',
        '    "a": 1, // about a',
        '    // about the next one',
        '    /* about b */',
        '    "b": 2',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const first = '{\n  "m": {\n    "fleet": 1, // mine\n    // about b\n    "b": 2\n  }\n}\n';
    expect(removeJsonEntry(first, 'f', JSONC, ['m'], 'fleet', null).text).toBe(
      '{\n  "m": {\n    // about b\n    "b": 2\n  }\n}\n',
    );
    const inline = '{"m": {"a": 1, "fleet": 2, /* c */ "b": 3}}';
    expect(removeJsonEntry(inline, 'f', JSONC, ['m'], 'fleet', null).text).toBe(
      '{"m": {"a": 1, /* c */ "b": 3}}',
    );
  });

  it('removing the last member after a comment takes only its line and the separator comma', () => {
    const text = '{\n  "m": {\n    "a": 1, // about a\n    // note\n    "fleet": 2\n  }\n}\n';
    const removed = removeJsonEntry(text, 'f', JSONC, ['m'], 'fleet', null).text;
    expect(removed).toBe('{\n  "m": {\n    "a": 1 // about a\n    // note\n  }\n}\n');
    expect(readJsonEntries(removed, 'f', JSON_COMMENTS, ['m'])).toEqual({ a: 1 });
    const trailing = '{\n  "m": {\n    "a": 1,\n    // note\n    "fleet": 2,\n  },\n}\n';
    expect(removeJsonEntry(trailing, 'f', JSONC, ['m'], 'fleet', null).text).toBe(
      '{\n  "m": {\n    "a": 1,\n    // note\n  },\n}\n',
    );
    const inserted = roundTrip(
      '{\n  // top\n  "servers": {\n    // only a comment\n  }\n}\n',
      ['servers'],
      JSONC,
    );
    expect(inserted.inserted).toContain('    // only a comment\n    "fleet": {');
    const only = '{\n  "m": {\n    // keep me\n    "fleet": 2\n  }\n}\n';
    expect(removeJsonEntry(only, 'f', JSONC, ['m'], 'fleet', null).text).toBe(
      '{\n  "m": {\n    // keep me\n  }\n}\n',
    );
  });

  it('still round-trips install then remove byte for byte next to comments', () => {
    for (const text of [
      '{\n  "servers": {\n    "a": 1, // about a\n    /* b */ "b": 2 // end\n  }\n}\n',
      '{\n  // top\n  "servers": {\n    // only a comment\n  }\n}\n',
      '{\n  "x": 1 // last\n}\n',
      '{\n  "servers": { /* c */ }\n}\n',
    ]) {
      expect(roundTrip(text, ['servers'], JSONC).removed).toBe(text);
    }
  });

  it('reads and edits a document with a byte order mark, keeping the mark', () => {
    const text = '\ufeff{\n  "mcpServers": {}\n}\n';
    expect(readJsonEntries(text, 'f', JSON_STRICT, ['mcpServers'])).toEqual({});
    const { inserted, removed } = roundTrip(text, ['mcpServers']);
    expect(inserted.startsWith('\ufeff{\n  "mcpServers": {\n    "fleet"')).toBe(true);
    expect(removed).toBe(text);
    const error = thrown(() => readJsonEntries('\ufeff{"a": }', '/x.json', JSON_STRICT, ['m']));
    expect(error.data).toEqual({ file: '/x.json', line: 1, column: 7 });
    const empty = setJsonEntry('\ufeff', 'f', JSON_STRICT, ['m'], 'fleet', 1);
    expect(empty.text).toBe('\ufeff{\n  "m": {\n    "fleet": 1\n  }\n}\n');
    expect(removeJsonEntry(empty.text, 'f', JSON_STRICT, ['m'], 'fleet', []).text).toBe('\ufeff');
  });
});

import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { FleetError } from '../errors/index.js';
import { readTomlEntries, removeTomlEntry, setTomlEntry } from './tomlEdit.js';

const ENTRY = { command: '/usr/bin/node', args: ['/opt/x.js', 'up', '--stdio'] };

function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (error) {
    return error as FleetError;
  }
  throw new Error('expected an error');
}

function roundTrip(text: string): { inserted: string; removed: string } {
  const set = setTomlEntry(text, 'c.toml', 'mcp_servers', 'fleet', ENTRY);
  return {
    inserted: set.text,
    removed: removeTomlEntry(set.text, 'c.toml', 'mcp_servers', 'fleet', set.addedFinalNewline),
  };
}

describe('TOML entries', () => {
  it('round-trips byte for byte: final newline or not, CRLF, empty, only comments', () => {
    for (const text of [
      'model = "o3"\n',
      'model = "o3"',
      'model = "o3"\n\n',
      '',
      '# nothing yet\n',
      'model = "o3"\r\n[profiles.x]\r\nmodel = "y"\r\n',
      '[mcp_servers.a]\ncommand = "x"\n',
    ]) {
      expect(roundTrip(text).removed).toBe(text);
    }
  });

  it("appends its own table after a blank line, in the file's line ends", () => {
    expect(roundTrip('a = 1\r\n').inserted).toBe(
      'a = 1\r\n\r\n[mcp_servers.fleet]\r\ncommand = "/usr/bin/node"\r\nargs = ["/opt/x.js", "up", "--stdio"]\r\n',
    );
    expect(roundTrip('a = 1').inserted).toBe(
      'a = 1\n\n[mcp_servers.fleet]\ncommand = "/usr/bin/node"\nargs = ["/opt/x.js", "up", "--stdio"]\n',
    );
  });

  it('replaces its table and sub-tables in place, leaving the comments after it to the next table', () => {
    const text =
      'x = 1\n\n[mcp_servers.fleet]\ncommand = "old"\n\n[mcp_servers.fleet.env]\nA = "b"\n\n# the docs server\n[mcp_servers.docs]\nurl = "https://d/mcp"\n';
    const set = setTomlEntry(text, 'c.toml', 'mcp_servers', 'fleet', { ...ENTRY, env: { A: 'b' } });
    expect(set.text).toBe(
      'x = 1\n\n[mcp_servers.fleet]\ncommand = "/usr/bin/node"\nargs = ["/opt/x.js", "up", "--stdio"]\nenv = { A = "b" }\n\n# the docs server\n[mcp_servers.docs]\nurl = "https://d/mcp"\n',
    );
    const removed = removeTomlEntry(set.text, 'c.toml', 'mcp_servers', 'fleet', false);
    expect(removed).toBe('x = 1\n\n# the docs server\n[mcp_servers.docs]\nurl = "https://d/mcp"\n');
  });

  it('quotes names and values TOML needs quoted', () => {
    const set = setTomlEntry('', 'c.toml', 'mcp_servers', 'my hub', { command: 'a "b"\u007f', args: [] });
    expect(set.text).toBe('[mcp_servers."my hub"]\ncommand = "a \\"b\\"\\u007F"\nargs = []\n');
    expect(parse(set.text)).toEqual({ mcp_servers: { 'my hub': { command: 'a "b"\u007f', args: [] } } });
    expect(readTomlEntries(set.text, 'c.toml', 'mcp_servers')).toEqual({
      'my hub': { command: 'a "b"\u007f', args: [] },
    });
  });

  it('is not fooled by a header-looking line inside a multi-line string', () => {
    const text = 'note = """\n[mcp_servers.fleet]\n"""\n';
    const { inserted, removed } = roundTrip(text);
    expect(parse(inserted)).toEqual({ note: '[mcp_servers.fleet]\n', mcp_servers: { fleet: ENTRY } });
    expect(removed).toBe(text);
  });

  it('refuses to edit an entry written inline or as dotted keys, and the file is unchanged', () => {
    const inline = 'mcp_servers = { fleet = { command = "x" } }\n';
    expect(thrown(() => setTomlEntry(inline, 'c.toml', 'mcp_servers', 'fleet', ENTRY)).message).toMatch(
      /\[mcp_servers\.fleet\] is not written as its own table/,
    );
    expect(thrown(() => removeTomlEntry(inline, 'c.toml', 'mcp_servers', 'fleet', false)).code).toBe(
      'CONFIG_INVALID',
    );
    const inlineOther = 'mcp_servers = { docs = { command = "x" } }\n';
    expect(thrown(() => setTomlEntry(inlineOther, 'c.toml', 'mcp_servers', 'fleet', ENTRY)).message).toMatch(
      /cannot be edited as its own table here/,
    );
  });

  it('refuses invalid TOML with its position', () => {
    const error = thrown(() =>
      readTomlEntries('a = 1\n[mcp_servers\nb = 2\n', '/h/.codex/config.toml', 'mcp_servers'),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /^cannot edit \/h\/\.codex\/config\.toml: invalid TOML \(.+\) at line 2, column \d+/,
    );
    expect(error.data).toMatchObject({ file: '/h/.codex/config.toml', line: 2 });
    expect(thrown(() => readTomlEntries('mcp_servers = 3\n', 'c', 'mcp_servers')).message).toMatch(
      /not a table/,
    );
  });

  it('removing an absent entry changes nothing', () => {
    expect(removeTomlEntry('a = 1\n', 'c', 'mcp_servers', 'fleet', false)).toBe('a = 1\n');
  });
});

describe('TOML with a byte order mark', () => {
  it('finds its table on the first line and keeps the mark', () => {
    const text = '\ufeff[mcp_servers.fleet]\ncommand = "old"\n\n[mcp_servers.other]\ncommand = "x"\n';
    const set = setTomlEntry(text, 'c.toml', 'mcp_servers', 'fleet', { command: 'new' });
    expect(set.text).toBe(
      '\ufeff[mcp_servers.fleet]\ncommand = "new"\n\n[mcp_servers.other]\ncommand = "x"\n',
    );
    expect(removeTomlEntry(set.text, 'c.toml', 'mcp_servers', 'fleet', false)).toBe(
      '\ufeff\n[mcp_servers.other]\ncommand = "x"\n',
    );
  });
});

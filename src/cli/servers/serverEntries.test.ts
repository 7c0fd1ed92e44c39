import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addServer, listServers, removeServer, setServerEnabled } from './serverEntries.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-entries-'));
  file = join(dir, 'fleet.yaml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('server entries', () => {
  it('adds, refuses a second of the same name unless forced, and replaces it in place', async () => {
    writeFileSync(file, '# mine\nservers:\n  a: { url: "http://a" } # keep\n');
    await addServer(file, 'b', { command: 'node', args: ['b.js'] });
    await expect(addServer(file, 'b', { command: 'other' })).rejects.toMatchObject({
      code: 'USAGE',
      message: `${file} already has a server named b (--force replaces it)`,
    });
    const outcome = await addServer(file, 'b', { command: 'other' }, { force: true });
    expect(outcome.result.replaced).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      '# mine\nservers:\n  a: { url: "http://a" } # keep\n  b:\n    command: other\n',
    );
  });

  it('checks the name and the entry before touching the file', async () => {
    writeFileSync(file, 'servers: {}\n');
    await expect(addServer(file, 'my_server', { command: 'x' })).rejects.toThrow(
      /invalid server name "my_server": name: a letter or digit/,
    );
    await expect(addServer(file, 'x', { command: 'x', token_env: 'T' })).rejects.toThrow(
      /invalid server x\nservers\.x: token_env, token_file and transport apply to url servers only/,
    );
    expect(readFileSync(file, 'utf8')).toBe('servers: {}\n');
  });

  it('enables and disables by rewriting only `enabled`', async () => {
    writeFileSync(file, 'servers:\n  a:\n    url: http://a\n');
    expect((await setServerEnabled(file, 'a', true)).changed).toBe(false);
    expect((await setServerEnabled(file, 'a', false)).result.was).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n    enabled: false\n');
    expect((await setServerEnabled(file, 'a', false)).changed).toBe(false);
    await setServerEnabled(file, 'a', true);
    expect(readFileSync(file, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n    enabled: true\n');
    await expect(setServerEnabled(file, 'zz', false)).rejects.toThrow(`${file} has no server named zz`);
  });

  it('removes, and says so when there is nothing to remove', async () => {
    writeFileSync(file, 'servers:\n  a:\n    url: http://a\nhubs: {}\n');
    await removeServer(file, 'a');
    expect(readFileSync(file, 'utf8')).toBe('servers: {}\nhubs: {}\n');
    await expect(removeServer(file, 'a')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(removeServer(join(dir, 'none.yaml'), 'a')).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
    });
  });

  it('lists with the hub defaults applied, by name', async () => {
    expect(await listServers(join(dir, 'none.yaml'))).toEqual([]);
    writeFileSync(
      file,
      'servers:\n  z: { url: "http://z", enabled: false }\n  a: { command: node, args: [a.js], tools: { include: [x], exclude: [y] } }\n',
    );
    expect(await listServers(file)).toEqual([
      {
        name: 'a',
        kind: 'stdio',
        command: 'node',
        args: ['a.js'],
        url: null,
        enabled: true,
        tools: { include: ['x'], exclude: ['y'] },
        description: null,
      },
      {
        name: 'z',
        kind: 'http',
        command: null,
        args: [],
        url: 'http://z',
        enabled: false,
        tools: { include: null, exclude: [] },
        description: null,
      },
    ]);
  });
});

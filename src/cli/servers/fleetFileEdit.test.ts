import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleetEditor, editFleetFile, fleetFilePath } from './fleetFileEdit.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const golden = (name: string) => readFileSync(join(GOLDEN, name), 'utf8');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-edit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
    const editor = createFleetEditor(golden('fleet.before.yaml'));
    editor.set(['servers', 'everything'], everything);
    expect(editor.text).toBe(golden('fleet.added.yaml'));
  });

  it('disables servers written in block and flow style', () => {
    const editor = createFleetEditor(golden('fleet.added.yaml'));
    editor.set(['servers', 'files', 'enabled'], false);
    editor.set(['servers', 'homeassistant', 'enabled'], false);
    editor.set(['servers', 'everything', 'enabled'], false);
    expect(editor.text).toBe(golden('fleet.disabled.yaml'));
  });

  it('removes servers and keeps the comments around them', () => {
    const editor = createFleetEditor(golden('fleet.disabled.yaml'));
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
});

describe('editFleetFile', () => {
  it('writes atomically, keeps the mode and a .bak of the previous version', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, golden('fleet.before.yaml'));
    chmodSync(file, 0o640);
    const outcome = await editFleetFile(file, (e) => e.set(['servers', 'files', 'enabled'], false));
    expect(outcome).toMatchObject({ changed: true, file, backup: `${file}.bak` });
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(golden('fleet.before.yaml'));
    expect(readFileSync(file, 'utf8')).toContain('    enabled: false # on for now\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(statSync(`${file}.bak`).mode & 0o777).toBe(0o640);
    // No temp or lock file is left behind.
    expect(readdirSync(dir).sort()).toEqual(['fleet.yaml', 'fleet.yaml.bak']);
  });

  it('refuses an invalid result with its problems and leaves the file untouched', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, golden('fleet.before.yaml'));
    const mtime = statSync(file).mtimeMs;
    const edit = editFleetFile(file, (e) => e.set(['servers', 'broken'], { url: 'http://x', command: 'y' }));
    await expect(edit).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(edit).rejects.toThrow(
      /refused: .*unchanged\).*\n.*servers\.broken: a server needs exactly one of url or command/,
    );
    expect(readFileSync(file, 'utf8')).toBe(golden('fleet.before.yaml'));
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('refuses to edit a file that is already invalid, naming its problem', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers:\n  a: { url: "http://a", colour: red }\n');
    await expect(editFleetFile(file, (e) => e.set(['servers', 'b'], { url: 'http://b' }))).rejects.toThrow(
      /invalid as it stands.*\n.*:2:.*colour/,
    );
  });

  it('writes nothing when the edit changes nothing', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers:\n  a:\n    url: http://a\n');
    const outcome = await editFleetFile(file, (e) => e.delete(['servers', 'b']));
    expect(outcome).toMatchObject({ changed: false, backup: null, result: false });
    expect(readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('creates a missing file (and its directory) owner-only when asked, and is NOT_FOUND otherwise', async () => {
    const file = join(dir, 'conf', 'mcp-fleet', 'fleet.yaml');
    await expect(editFleetFile(file, () => {})).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    expect(existsSync(join(dir, 'conf'))).toBe(false);
    const outcome = await editFleetFile(file, (e) => e.set(['servers', 'a'], { url: 'http://a' }), {
      create: true,
    });
    expect(outcome.backup).toBeNull();
    expect(readFileSync(file, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('edits the target of a symlink and keeps the link', async () => {
    const target = join(dir, 'real.yaml');
    const link = join(dir, 'fleet.yaml');
    writeFileSync(target, 'servers: {}\n');
    symlinkSync(target, link);
    await editFleetFile(link, (e) => e.set(['servers', 'a'], { url: 'http://a' }));
    expect(readFileSync(target, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n');
    expect(statSync(link).isFile()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['fleet.yaml', 'real.yaml', 'real.yaml.bak']);
  });

  it('serializes concurrent edits so none is lost', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers: {}\n');
    const names = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(
      names.map((n) => editFleetFile(file, (e) => e.set(['servers', n], { url: `http://${n}` }))),
    );
    const text = readFileSync(file, 'utf8');
    for (const n of names) expect(text).toContain(`  ${n}:\n    url: http://${n}\n`);
  });
});

describe('fleetFilePath', () => {
  it('takes the flag, else MCP_FLEET_HUB_CONFIG, else the file `up` reads; never the agent variable', () => {
    expect(fleetFilePath('x.yaml', { MCP_FLEET_HUB_CONFIG: '/y.yaml' })).toBe(join(process.cwd(), 'x.yaml'));
    expect(fleetFilePath(undefined, { MCP_FLEET_HUB_CONFIG: '/y.yaml', MCP_FLEET_CONFIG: '/a.yaml' })).toBe(
      '/y.yaml',
    );
    expect(fleetFilePath(undefined, { MCP_FLEET_CONFIG: '/a.yaml' }, '/home/u')).toBe(
      '/home/u/.config/mcp-fleet/fleet.yaml',
    );
    expect(fleetFilePath(undefined, { XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe(
      '/xdg/mcp-fleet/fleet.yaml',
    );
  });
});

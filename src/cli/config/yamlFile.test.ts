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
import { isOperatorError } from '../../errors/index.js';
import { FleetConfigSchema } from '../../hub/inventory/index.js';
import type { YamlEditor } from './yamlEdit.js';
import { type EditYamlOptions, editYamlFile } from './yamlFile.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const golden = (name: string) => readFileSync(join(GOLDEN, name), 'utf8');

/** fleet.yaml's schema: the strictest file the editor writes. */
const edit = <T>(file: string, change: (e: YamlEditor) => T, options?: EditYamlOptions) =>
  editYamlFile(file, FleetConfigSchema, change, options);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-edit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('editYamlFile', () => {
  it('writes atomically, keeps the mode and a .bak of the previous version', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, golden('fleet.before.yaml'));
    chmodSync(file, 0o640);
    const outcome = await edit(file, (e) => e.set(['servers', 'files', 'enabled'], false));
    expect(outcome).toMatchObject({ changed: true, file, backup: `${file}.bak` });
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(golden('fleet.before.yaml'));
    expect(readFileSync(file, 'utf8')).toContain('    enabled: false # on for now\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(statSync(`${file}.bak`).mode & 0o777).toBe(0o640);
    // No temp or lock file is left behind.
    expect(readdirSync(dir).sort()).toEqual(['fleet.yaml', 'fleet.yaml.bak']);
  });

  it('gives the edit the current content as validated, defaults applied', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, golden('fleet.before.yaml'));
    const outcome = await editYamlFile(file, FleetConfigSchema, (_e, current) => ({
      servers: Object.keys(current.servers).sort(),
      concurrency: current.fanout.concurrency,
      principals: current.principals,
    }));
    expect(outcome.result).toEqual({ servers: ['files', 'homeassistant'], concurrency: 64, principals: {} });
    expect(outcome.changed).toBe(false);
  });

  it('refuses an invalid result with its problems and leaves the file untouched', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, golden('fleet.before.yaml'));
    const mtime = statSync(file).mtimeMs;
    const refused = edit(file, (e) => e.set(['servers', 'broken'], { url: 'http://x', command: 'y' }));
    await expect(refused).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(refused).rejects.toThrow(
      /refused: .*unchanged\).*\n.*servers\.broken: a server needs exactly one of url or command/,
    );
    expect(readFileSync(file, 'utf8')).toBe(golden('fleet.before.yaml'));
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('refuses to edit a file that is already invalid, naming its problem', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers:\n  a: { url: "http://a", colour: red }\n');
    await expect(edit(file, (e) => e.set(['servers', 'b'], { url: 'http://b' }))).rejects.toThrow(
      /invalid as it stands.*\n.*:2:.*colour/,
    );
  });

  it('writes nothing when the edit changes nothing', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers:\n  a:\n    url: http://a\n');
    const outcome = await edit(file, (e) => e.delete(['servers', 'b']));
    expect(outcome).toMatchObject({ changed: false, backup: null, result: false });
    expect(readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('creates a missing file (and its directory) owner-only when given a start, and is NOT_FOUND otherwise', async () => {
    const file = join(dir, 'conf', 'mcp-fleet', 'fleet.yaml');
    await expect(edit(file, () => {})).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    expect(existsSync(join(dir, 'conf'))).toBe(false);
    const outcome = await edit(file, (e) => e.set(['servers', 'a'], { url: 'http://a' }), { initial: '' });
    expect(outcome.backup).toBeNull();
    expect(readFileSync(file, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'conf')).mode & 0o777).toBe(0o700);
  });

  it('edits the target of a symlink and keeps the link', async () => {
    const target = join(dir, 'real.yaml');
    const link = join(dir, 'fleet.yaml');
    writeFileSync(target, 'servers: {}\n');
    symlinkSync(target, link);
    await edit(link, (e) => e.set(['servers', 'a'], { url: 'http://a' }));
    expect(readFileSync(target, 'utf8')).toBe('servers:\n  a:\n    url: http://a\n');
    expect(statSync(link).isFile()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['fleet.yaml', 'real.yaml', 'real.yaml.bak']);
  });

  it('serializes concurrent edits so none is lost', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers: {}\n');
    const names = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(names.map((n) => edit(file, (e) => e.set(['servers', n], { url: `http://${n}` }))));
    const text = readFileSync(file, 'utf8');
    for (const n of names) expect(text).toContain(`  ${n}:\n    url: http://${n}\n`);
  });

  it('a lock another command keeps holding is UNAVAILABLE, for the operator, and nothing is written', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'servers: {}\n');
    writeFileSync(`${file}.lock`, '1\n');
    const held = edit(file, (e) => e.set(['servers', 'a'], { url: 'http://a' }), {
      lock: { attempts: 2, sleep: async () => {} },
    });
    await expect(held).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('locked'),
    });
    expect(isOperatorError(await held.catch((e: unknown) => e))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('servers: {}\n');
  });
});

import {
  chmodSync,
  lstatSync,
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
import { afterEach, describe, expect, it } from 'vitest';
import {
  BACKUP_SUFFIX,
  backupOnce,
  ConcurrentEditError,
  deleteConfigFile,
  readConfigFile,
  writeConfigFile,
} from './configFile.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('client config files', () => {
  it("writes through a symlink, keeping the link and the target's mode", async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-cf-'));
    const target = join(dir, 'dotfiles-mcp.json');
    const link = join(dir, 'mcp.json');
    writeFileSync(target, '{}');
    chmodSync(target, 0o640);
    symlinkSync(target, link);
    const state = await readConfigFile(link);
    expect(state).toMatchObject({ file: link, real: target, exists: true, text: '{}', mode: 0o640 });
    await writeConfigFile(state, '{"a": 1}');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('{"a": 1}');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['dotfiles-mcp.json', 'mcp.json']); // no temp file left
  });

  it('forces 0600 for a file that now holds a secret', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-cf-'));
    const file = join(dir, 'settings.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o644);
    await writeConfigFile(await readConfigFile(file), '{"token": 1}', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite a change made after it read the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-cf-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"v": 1}');
    const state = await readConfigFile(file);
    writeFileSync(file, '{"v": 2}'); // the client rewrote its file meanwhile
    await expect(writeConfigFile(state, '{"v": 3}')).rejects.toBeInstanceOf(ConcurrentEditError);
    await expect(deleteConfigFile(state)).rejects.toBeInstanceOf(ConcurrentEditError);
    expect(readFileSync(file, 'utf8')).toBe('{"v": 2}');
    expect(readdirSync(dir)).toEqual(['c.json']);
  });

  it('backs the original up once, with its mode', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-cf-'));
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'a = 1\n');
    chmodSync(file, 0o600);
    expect(await backupOnce(await readConfigFile(file))).toBe(`${file}${BACKUP_SUFFIX}`);
    writeFileSync(file, 'a = 2\n');
    expect(await backupOnce(await readConfigFile(file))).toBeUndefined();
    expect(readFileSync(`${file}${BACKUP_SUFFIX}`, 'utf8')).toBe('a = 1\n');
    expect(statSync(`${file}${BACKUP_SUFFIX}`).mode & 0o777).toBe(0o600);
    expect(await backupOnce(await readConfigFile(join(dir, 'missing.json')))).toBeUndefined();
  });
});

import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
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
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BACKUP_SUFFIX,
  backupOnce,
  ConcurrentEditError,
  deleteConfigFile,
  readConfigFile,
  removeCreatedDirs,
  writeConfigFile,
} from './configFile.js';

/** Every `open` configFile.ts makes, to see the mode a temp file is created with. */
const opened = vi.hoisted(() => [] as Array<{ path: string; flags: unknown; mode: unknown }>);
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = (path, flags, mode) => {
    opened.push({ path: String(path), flags, mode });
    return actual.open(path, flags, mode);
  };
  return { ...actual, open, default: { ...actual, open } };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-cf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('client config files', () => {
  it("writes through a symlink, keeping the link and the target's mode", async () => {
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
    const file = join(dir, 'settings.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o644);
    await writeConfigFile(await readConfigFile(file), '{"token": 1}', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite a change made after it read the file', async () => {
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

describe('client config files, hazards', () => {
  it('creates the temp file with the final mode, never world-readable first', async () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o640);
    opened.length = 0;
    await writeConfigFile(await readConfigFile(file), '{"a": 1}');
    await writeConfigFile(await readConfigFile(file), '{"token": 1}', { mode: 0o600 });
    const temps = opened.filter((o) => o.path.endsWith('.tmp'));
    expect(temps.map((o) => [o.flags, o.mode])).toEqual([
      ['wx', 0o640],
      ['wx', 0o600],
    ]);
  });

  it('refuses a file that is not UTF-8, naming it, and keeps a BOM and any UTF-8 as they are', async () => {
    const latin1 = join(dir, 'latin1.json');
    const bytes = Buffer.from('{"name": "caf\xe9"}', 'latin1');
    writeFileSync(latin1, bytes);
    await expect(readConfigFile(latin1)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `cannot edit ${latin1}: it is not UTF-8 text (the file was not changed)`,
      data: { file: latin1 },
    });
    expect(readFileSync(latin1).equals(bytes)).toBe(true);
    const utf8 = join(dir, 'utf8.json');
    writeFileSync(utf8, '\ufeff{"name": "café ✓"}');
    const state = await readConfigFile(utf8);
    expect(state.text).toBe('\ufeff{"name": "café ✓"}');
    await writeConfigFile(state, state.text);
    expect(readFileSync(utf8).subarray(0, 3).toString('hex')).toBe('efbbbf');
  });

  it('writes the target of a dangling symlink (creating its directory) and keeps the link', async () => {
    mkdirSync(join(dir, 'home'));
    const link = join(dir, 'home', 'mcp.json');
    symlinkSync('../dotfiles/cursor/mcp.json', link);
    const state = await readConfigFile(link);
    expect(state).toMatchObject({
      exists: false,
      real: join(dir, 'dotfiles', 'cursor', 'mcp.json'),
      text: '',
    });
    const outcome = await writeConfigFile(state, '{}\n');
    expect(outcome.createdDirs).toEqual([join(dir, 'dotfiles', 'cursor'), join(dir, 'dotfiles')]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'dotfiles', 'cursor', 'mcp.json'), 'utf8')).toBe('{}\n');
    await deleteConfigFile(await readConfigFile(link));
    await removeCreatedDirs(outcome.createdDirs);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, 'dotfiles'))).toBe(false);
  });

  it('removes created directories only while they are empty', async () => {
    const state = await readConfigFile(join(dir, 'a', 'b', 'c.json'));
    const { createdDirs } = await writeConfigFile(state, '{}');
    expect(createdDirs).toEqual([join(dir, 'a', 'b'), join(dir, 'a')]);
    writeFileSync(join(dir, 'a', 'other'), 'x');
    rmSync(join(dir, 'a', 'b', 'c.json'));
    await removeCreatedDirs(createdDirs);
    expect(existsSync(join(dir, 'a', 'b'))).toBe(false);
    expect(readFileSync(join(dir, 'a', 'other'), 'utf8')).toBe('x');
  });

  it("keeps the file's owner and group", async () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{}');
    // As root any owner works; otherwise a supplementary group of ours is what chown allows.
    const root = process.getuid?.() === 0;
    const uid = root ? 4242 : (process.getuid?.() ?? 0);
    const gid = root
      ? 4343
      : (process.getgroups?.().find((g) => g !== process.getgid?.()) ?? process.getgid?.() ?? 0);
    chownSync(file, uid, gid);
    await writeConfigFile(await readConfigFile(file), '{"a": 1}');
    expect(readFileSync(file, 'utf8')).toBe('{"a": 1}');
    expect([statSync(file).uid, statSync(file).gid]).toEqual([uid, gid]);
  });

  it('writes a hard-linked file in place, so every name sees the change', async () => {
    const file = join(dir, 'c.json');
    const other = join(dir, 'backup-link.json');
    writeFileSync(file, '{"long": "text that is longer than the new text"}');
    linkSync(file, other);
    const inode = statSync(file).ino;
    const state = await readConfigFile(file);
    expect(state.nlink).toBe(2);
    await writeConfigFile(state, '{"a": 1}', { mode: 0o600 });
    expect(readFileSync(other, 'utf8')).toBe('{"a": 1}');
    expect(statSync(file)).toMatchObject({ ino: inode, nlink: 2 });
    expect(statSync(other).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['backup-link.json', 'c.json']);
    // The unchanged check holds in place too.
    const stale = await readConfigFile(file);
    writeFileSync(file, '{"v": 2}');
    await expect(writeConfigFile(stale, '{"v": 3}')).rejects.toBeInstanceOf(ConcurrentEditError);
    expect(readFileSync(other, 'utf8')).toBe('{"v": 2}');
  });
});

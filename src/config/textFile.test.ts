import {
  chmodSync,
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
import { readTextFile, writeTextAtomic } from './textFile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mcpf-text-'));
  dirs.push(d);
  return d;
}

describe('readTextFile', () => {
  it('reads the text with its mode and owner; undefined when there is none', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.yaml');
    writeFileSync(path, 'x: 1\n');
    chmodSync(path, 0o640);
    expect(await readTextFile(path)).toEqual({
      text: 'x: 1\n',
      owner: { mode: 0o640, uid: statSync(path).uid, gid: statSync(path).gid },
    });
    expect(await readTextFile(join(dir, 'none'))).toBeUndefined();
  });

  it('what cannot be read is CONFIG_INVALID naming the file', async () => {
    const dir = tempDir();
    await expect(readTextFile(dir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`cannot read ${dir}`),
    });
  });
});

describe('writeTextAtomic', () => {
  it('writes exactly the mode asked for, whatever the umask, and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'fleet.yaml');
    await writeTextAtomic(path, 'a: 1\n', { mode: 0o644 });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await writeTextAtomic(path, 'a: 2\n', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('a: 2\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('makes a missing directory owner-only', async () => {
    const dir = tempDir();
    const path = join(dir, 'new', 'deeper', 'token');
    await writeTextAtomic(path, 'secret\n', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('secret\n');
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
  });

  it('replaces a symlink rather than writing through it', async () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    const path = join(dir, 'state');
    symlinkSync(victim, path);
    await writeTextAtomic(path, 'new', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readFileSync(victim, 'utf8')).toBe('keep');
  });

  it('an unwritable place is CONFIG_INVALID naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'x.yaml');
    await expect(writeTextAtomic(path, '', { mode: 0o600 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`cannot write ${path}`),
    });
  });
});

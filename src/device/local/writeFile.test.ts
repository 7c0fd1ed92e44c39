import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { holdDirectory } from './fileHandles.js';
import { listDirectory } from './files.js';
import { writeFileAtomic } from './writeFile.js';

const MAX = 1024 * 1024;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FleetError) return error.code;
    throw error;
  }
  throw new Error('expected a FleetError, the call succeeded');
}

let dir: string;
let outside: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpf-write-unit-')));
  outside = join(dir, 'outside');
  mkdirSync(outside);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic after a directory was swapped for a symlink', () => {
  it('refuses a new file whose directory is now a symlink, and creates nothing there', async () => {
    // `root/d/new.txt` was checked while `d` was a directory; now `d` points outside.
    symlinkSync(outside, join(dir, 'd'));
    const write = writeFileAtomic({ path: join(dir, 'd', 'new.txt'), data: Buffer.from('x'), maxBytes: MAX });
    expect(await codeOf(write)).toBe('PATH_OUTSIDE_ROOTS');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses when a parent further up is the symlink', async () => {
    mkdirSync(join(outside, 'b'));
    symlinkSync(outside, join(dir, 'a'));
    const write = writeFileAtomic({
      path: join(dir, 'a', 'b', 'new.txt'),
      data: Buffer.from('x'),
      maxBytes: MAX,
    });
    expect(await codeOf(write)).toBe('PATH_OUTSIDE_ROOTS');
    expect(readdirSync(join(outside, 'b'))).toEqual([]);
  });

  it('still writes into a real directory, with backup and append, leaving no temp file', async () => {
    mkdirSync(join(dir, 'd'));
    const path = join(dir, 'd', 'f.txt');
    await writeFileAtomic({ path, data: Buffer.from('one\n'), maxBytes: MAX });
    const r = await writeFileAtomic({
      path,
      data: Buffer.from('two\n'),
      append: true,
      backup: true,
      maxBytes: MAX,
    });
    expect(r).toMatchObject({ created: false, size: 8, backup_path: `${path}.bak` });
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\n');
    expect(await readFile(`${path}.bak`, 'utf8')).toBe('one\n');
    expect(readdirSync(join(dir, 'd')).sort()).toEqual(['f.txt', 'f.txt.bak']);
  });
});

describe('holdDirectory', () => {
  it('keeps reaching the directory it opened after the path is moved and replaced by a symlink', async () => {
    const d = join(dir, 'd');
    mkdirSync(d);
    const held = await holdDirectory(d);
    try {
      expect(held.base).toBe(`/proc/self/fd/${held.handle.fd}`);
      expect(await held.stillAt()).toBe(true);
      await rename(d, join(dir, 'moved'));
      symlinkSync(outside, d);
      await writeFile(join(held.base, 'through-handle.txt'), 'x');
      expect(existsSync(join(dir, 'moved', 'through-handle.txt'))).toBe(true);
      expect(readdirSync(outside)).toEqual([]);
      expect(await held.stillAt()).toBe(false);
    } finally {
      await held.handle.close();
    }
  });

  it('refuses a directory path that is a symlink now, and a path that is not a directory', async () => {
    symlinkSync(outside, join(dir, 'link'));
    expect(await codeOf(holdDirectory(join(dir, 'link')))).toBe('PATH_OUTSIDE_ROOTS');
    await writeFile(join(dir, 'file'), 'x');
    expect(await codeOf(holdDirectory(join(dir, 'file')))).toBe('NOT_A_DIRECTORY');
    expect(await codeOf(holdDirectory(join(dir, 'missing')))).toBe('NOT_FOUND');
  });
});

describe('listDirectory after a swap', () => {
  it('refuses to list through a parent that became a symlink', async () => {
    await writeFile(join(outside, 'secret.txt'), 's');
    symlinkSync(outside, join(dir, 'd'));
    expect(await codeOf(listDirectory(join(dir, 'd'), true))).toBe('PATH_OUTSIDE_ROOTS');
  });
});

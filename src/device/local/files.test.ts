import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { readFileRange, writeFileAtomic } from './files.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const modeOf = (path: string) => statSync(path).mode & 0o7777;
const isRoot = process.getuid?.() === 0;
const MAX = 1024 * 1024;

/** Settles with the promise's outcome, or fails the test when it takes longer than `ms`. */
async function bounded<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The FleetError code a promise rejects with (fails the test when it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await bounded(promise);
  } catch (error) {
    if (error instanceof FleetError) return error.code;
    throw error;
  }
  throw new Error('expected a FleetError, the call succeeded');
}

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpf-files-unit-')));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readFileRange', () => {
  it('refuses a FIFO promptly with NOT_A_FILE instead of blocking on open', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // More calls than libuv has workers: a blocking open would freeze all of them.
    for (let i = 0; i < 6; i++) {
      expect(await codeOf(readFileRange({ path: fifo, maxBytes: MAX }))).toBe('NOT_A_FILE');
    }
    const file = join(dir, 'after.txt');
    writeFileSync(file, 'still works\n');
    const r = await bounded(readFileRange({ path: file, maxBytes: MAX }));
    expect(r.data.toString()).toBe('still works\n');
  });

  it('hashes the whole file through the open handle, across many chunks and past maxBytes', async () => {
    const file = join(dir, 'big.bin');
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(file, bytes);
    const r = await readFileRange({ path: file, maxBytes: 100 });
    expect(r.data.equals(bytes.subarray(0, 100))).toBe(true);
    expect(r.truncated).toBe(true);
    expect(r.size).toBe(bytes.length);
    expect(r.sha256).toBe(sha256(bytes));

    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect((await readFileRange({ path: empty, maxBytes: MAX })).sha256).toBe(sha256(''));
  });

  it('refuses a path whose directory turned into a symlink after the roots check', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'f.txt'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'swapped'));
    expect(await codeOf(readFileRange({ path: join(dir, 'swapped', 'f.txt'), maxBytes: MAX }))).toBe(
      'PATH_OUTSIDE_ROOTS',
    );
  });
});

describe('writeFileAtomic', () => {
  it('refuses a FIFO target promptly with NOT_A_FILE and leaves it in place', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const extra of [{}, { append: true }, { backup: true }, { ifSha256: sha256('') }]) {
      const write = writeFileAtomic({ path: fifo, data: Buffer.from('x'), maxBytes: MAX, ...extra });
      expect(await codeOf(write)).toBe('NOT_A_FILE');
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a directory target with NOT_A_FILE', async () => {
    mkdirSync(join(dir, 'sub'));
    const write = writeFileAtomic({ path: join(dir, 'sub'), data: Buffer.from('x'), maxBytes: MAX });
    expect(await codeOf(write)).toBe('NOT_A_FILE');
  });

  it('replaces a symlink at the target instead of reading or writing through it', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'target content\n', { mode: 0o600 });
    const link = join(dir, 'link');
    symlinkSync(target, link);

    // The link is not followed: there is no existing content, so its hash does not match.
    const guarded = writeFileAtomic({
      path: link,
      data: Buffer.from('new\n'),
      ifSha256: sha256('target content\n'),
      maxBytes: MAX,
    });
    expect(await codeOf(guarded)).toBe('HASH_MISMATCH');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);

    const r = await writeFileAtomic({
      path: link,
      data: Buffer.from('new\n'),
      append: true,
      backup: true,
      maxBytes: MAX,
    });
    expect(r).toMatchObject({ created: true, size: 4, backup_path: null });
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toBe('new\n');
    expect(modeOf(link)).toBe(0o644);
    expect(readFileSync(target, 'utf8')).toBe('target content\n');
    expect(existsSync(`${link}.bak`)).toBe(false);
  });

  it('refuses a path whose directory turned into a symlink after the roots check', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'f.txt'), 'old\n');
    symlinkSync(join(dir, 'real'), join(dir, 'swapped'));
    const write = writeFileAtomic({
      path: join(dir, 'swapped', 'f.txt'),
      data: Buffer.from('new\n'),
      maxBytes: MAX,
    });
    expect(await codeOf(write)).toBe('PATH_OUTSIDE_ROOTS');
    expect(readFileSync(join(dir, 'real', 'f.txt'), 'utf8')).toBe('old\n');
  });

  it('checks if_sha256 against the content of the open file', async () => {
    const path = join(dir, 'guarded.txt');
    const old = randomBytes(700 * 1024);
    writeFileSync(path, old);
    const wrong = writeFileAtomic({
      path,
      data: Buffer.from('x'),
      ifSha256: sha256('other'),
      maxBytes: MAX,
    });
    expect(await codeOf(wrong)).toBe('HASH_MISMATCH');
    expect(readFileSync(path).equals(old)).toBe(true);
    const r = await writeFileAtomic({ path, data: Buffer.from('x'), ifSha256: sha256(old), maxBytes: MAX });
    expect(r).toMatchObject({ created: false, size: 1 });
  });

  it('refuses an append that would pass maxBytes and writes nothing; up to the limit is fine', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, '12345678');
    const over = writeFileAtomic({ path, data: Buffer.from('abc'), append: true, maxBytes: 10 });
    expect(await codeOf(over)).toBe('FILE_TOO_LARGE');
    expect(readFileSync(path, 'utf8')).toBe('12345678');

    const r = await writeFileAtomic({ path, data: Buffer.from('ab'), append: true, maxBytes: 10 });
    expect(r).toMatchObject({ bytes_written: 2, size: 10, sha256: sha256('12345678ab') });
    expect(readFileSync(path, 'utf8')).toBe('12345678ab');

    // Without append the old size does not count.
    const replaced = await writeFileAtomic({ path, data: Buffer.from('0123456789'), maxBytes: 10 });
    expect(replaced.size).toBe(10);
  });

  it('streams a backup larger than maxBytes, exact and with the old mode', async () => {
    const path = join(dir, 'data.bin');
    const old = randomBytes(2 * 1024 * 1024 + 3);
    writeFileSync(path, old, { mode: 0o640 });
    chmodSync(path, 0o640);
    const r = await writeFileAtomic({ path, data: Buffer.from('new'), backup: true, maxBytes: 16 });
    expect(r.backup_path).toBe(`${path}.bak`);
    expect(readFileSync(`${path}.bak`).equals(old)).toBe(true);
    expect(modeOf(`${path}.bak`)).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(modeOf(path)).toBe(0o640);
  });

  it.runIf(isRoot)('rewriting a setuid/setgid file keeps 04755 / 02755 and the owner', async () => {
    for (const [mode, owner] of [
      [0o4755, 0],
      [0o4755, 65534],
      [0o2755, 65534],
      [0o6755, 65534],
    ] as const) {
      const path = join(dir, `suid-${mode.toString(8)}-${owner}`);
      writeFileSync(path, '#!/bin/sh\n');
      chownSync(path, owner, owner);
      chmodSync(path, mode);
      expect(modeOf(path)).toBe(mode);

      await writeFileAtomic({ path, data: Buffer.from('#!/bin/sh\necho 1\n'), maxBytes: MAX });
      expect(modeOf(path)).toBe(mode);
      expect(statSync(path).uid).toBe(owner);
      expect(statSync(path).gid).toBe(owner);

      await writeFileAtomic({
        path,
        data: Buffer.from('echo 2\n'),
        append: true,
        backup: true,
        maxBytes: MAX,
      });
      expect(modeOf(path)).toBe(mode);
      expect(modeOf(`${path}.bak`)).toBe(mode);
      expect(statSync(`${path}.bak`).uid).toBe(owner);
      expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\necho 1\necho 2\n');
    }
  });
});

import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSerializer, withFileLock, writeJsonAtomic } from './jsonState.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'mcpf-atomic-'));

describe('writeJsonAtomic', () => {
  it('replaces a file (even one a symlink pointed at) with a new 0600 file', async () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    const path = join(dir, 'state.json');
    symlinkSync(victim, path);
    await writeJsonAtomic(path, { a: 1 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 1 });
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('an unwritable place is CONFIG_INVALID naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'state.json');
    await expect(writeJsonAtomic(path, {})).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(path),
    });
  });
});

describe('withFileLock', () => {
  it('runs critical sections one at a time and removes the lock', async () => {
    const path = join(tempDir(), 'state.json');
    const order: string[] = [];
    const section = (id: string) =>
      withFileLock(path, async () => {
        order.push(`${id}+`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`${id}-`);
      });
    await Promise.all([section('a'), section('b'), section('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i]?.slice(0, 1)).toBe(order[i + 1]?.slice(0, 1));
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over a stale lock and gives up on a fresh one after its attempts', async () => {
    const path = join(tempDir(), 'state.json');
    writeFileSync(`${path}.lock`, '1\n');
    await expect(
      withFileLock(path, async () => 'never', { attempts: 3, sleep: async () => {} }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', data: { operator: true } });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    expect(await withFileLock(path, async () => 'ran')).toBe('ran');
  });

  it('releases the lock when the section throws', async () => {
    const path = join(tempDir(), 'state.json');
    await expect(withFileLock(path, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('createSerializer', () => {
  it('runs tasks in order, and a failure does not stop the next', async () => {
    const serialize = createSerializer();
    const seen: number[] = [];
    const results = await Promise.allSettled([
      serialize(async () => {
        await new Promise((r) => setTimeout(r, 10));
        seen.push(1);
      }),
      serialize(async () => {
        seen.push(2);
        throw new Error('two');
      }),
      serialize(async () => {
        seen.push(3);
        return 3;
      }),
    ]);
    expect(seen).toEqual([1, 2, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

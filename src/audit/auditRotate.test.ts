import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishRotation, rotateAuditFile, stagingPath } from './auditRotate.js';

/** An audit path whose file holds `now`, with rotated files `.N` holding `old-N` for each N given. */
function files(...rotated: number[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-rotate-')), 'audit.jsonl');
  writeFileSync(path, 'now\n');
  for (const n of rotated) writeFileSync(`${path}.${n}`, `old-${n}\n`);
  return path;
}

/** What path.1 … path.max hold: the content, or null where there is no file. */
function contents(path: string, max: number): Array<string | null> {
  return Array.from({ length: max }, (_, i) => {
    const file = `${path}.${i + 1}`;
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  });
}

describe('rotateAuditFile', () => {
  it('moves the rotated files up only as far as the first free number', async () => {
    const path = files(1, 3);
    expect(await rotateAuditFile(path, 5)).toEqual([]);
    expect(existsSync(path)).toBe(false);
    expect(contents(path, 5)).toEqual(['now', 'old-1', 'old-3', null, null]);
  });

  it('drops the oldest kept file when every number up to keep is taken', async () => {
    const path = files(1, 2, 3);
    await rotateAuditFile(path, 3);
    expect(contents(path, 4)).toEqual(['now', 'old-1', 'old-2', null]);
  });

  it('deletes files numbered past keep (a lower keep after a reload), up to 100', async () => {
    const path = files(1, 2, 3, 4, 5, 100, 101);
    expect(await rotateAuditFile(path, 2)).toEqual([]);
    expect(contents(path, 5)).toEqual(['now', 'old-1', null, null, null]);
    expect(existsSync(`${path}.100`)).toBe(false);
    // Past 100 is no number the writer uses: left alone.
    expect(existsSync(`${path}.101`)).toBe(true);
  });

  it('says which old files it could not delete', async () => {
    const path = files(1);
    mkdirSync(`${path}.3`);
    writeFileSync(join(`${path}.3`, 'x'), 'x');
    const unremoved = await rotateAuditFile(path, 2);
    expect(unremoved).toHaveLength(1);
    expect(unremoved[0]).toMatch(new RegExp(`^${path}\\.3: .*(EISDIR|EPERM)`));
    expect(contents(path, 2)).toEqual(['now', 'old-1']);
  });

  it('throws when the file cannot be renamed (path.1 a non-empty directory), leaving it in place', async () => {
    const path = files();
    mkdirSync(`${path}.1`);
    writeFileSync(join(`${path}.1`, 'x'), 'x');
    await expect(rotateAuditFile(path, 1)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readFileSync(path, 'utf8')).toBe('now\n');
  });

  it('moves back what it moved when the file itself cannot be renamed, so no number is left free', async () => {
    const path = files(1, 2);
    const refusing = {
      lstat,
      rename: async (from: string, to: string) => {
        if (from === path)
          throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
        await rename(from, to);
      },
      unlink: async () => {},
    };
    await expect(rotateAuditFile(path, 5, refusing)).rejects.toMatchObject({ code: 'EPERM' });
    expect(readFileSync(path, 'utf8')).toBe('now\n');
    expect(contents(path, 3)).toEqual(['old-1', 'old-2', null]);
    // A retry finds the same free number and moves nothing twice.
    await expect(rotateAuditFile(path, 5, refusing)).rejects.toMatchObject({ code: 'EPERM' });
    expect(contents(path, 3)).toEqual(['old-1', 'old-2', null]);
  });

  it('takes a file removed under it as rotated: nothing to move, the next line starts a new file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-rotate-')), 'audit.jsonl');
    writeFileSync(`${path}.1`, 'old-1\n');
    expect(await rotateAuditFile(path, 3)).toEqual([]);
    expect(existsSync(path)).toBe(false);
    expect(contents(path, 3)).toEqual(['old-1', null, null]);
  });

  it('loses no old file when the file itself cannot move, with every number up to keep taken', async () => {
    // An append-only (chattr +a) or bind-mounted file: renaming it fails every time.
    const refusing = {
      lstat,
      rename: async (from: string, to: string) => {
        if (from === path)
          throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
        await rename(from, to);
      },
      unlink: async () => {},
    };
    const path = files(1, 2, 3);
    await expect(rotateAuditFile(path, 3, refusing)).rejects.toMatchObject({ code: 'EPERM' });
    expect(contents(path, 4)).toEqual(['old-1', 'old-2', 'old-3', null]);
    // The same after a reload lowered keep below the files there: nothing is dropped.
    await expect(rotateAuditFile(path, 2, refusing)).rejects.toMatchObject({ code: 'EPERM' });
    expect(contents(path, 4)).toEqual(['old-1', 'old-2', 'old-3', null]);
    expect(readFileSync(path, 'utf8')).toBe('now\n');
  });

  it('completes a rotation a crash left with the file staged, and touches nothing otherwise', async () => {
    const path = files(1, 2);
    expect(await finishRotation(path, 5)).toEqual([]);
    expect(contents(path, 3)).toEqual(['old-1', 'old-2', null]);
    // The crash came right after the live file was staged.
    await rename(path, stagingPath(path));
    await finishRotation(path, 5);
    expect(existsSync(stagingPath(path))).toBe(false);
    expect(existsSync(path)).toBe(false);
    expect(contents(path, 4)).toEqual(['now', 'old-1', 'old-2', null]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPattern, readManyFiles, segmentRegExp } from './readFiles.js';

describe('segmentRegExp', () => {
  it('matches shell-style segment globs', () => {
    expect(segmentRegExp('thermal_zone*').test('thermal_zone0')).toBe(true);
    expect(segmentRegExp('[0-9]*').test('1234')).toBe(true);
    expect(segmentRegExp('[0-9]*').test('self')).toBe(false);
    expect(segmentRegExp('a?c').test('abc')).toBe(true);
    expect(segmentRegExp('a.c').test('abc')).toBe(false);
  });
});

describe('readManyFiles', () => {
  it('expands patterns and skips what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-'));
    writeFileSync(join(dir, 'zone0'), '41000\n');
    writeFileSync(join(dir, 'zone1'), '52000\n');
    writeFileSync(join(dir, 'other'), 'x');
    expect(await expandPattern(`${dir}/zone*`)).toEqual([`${dir}/zone0`, `${dir}/zone1`]);
    const files = await readManyFiles([`${dir}/zone*`, `${dir}/missing`], 3);
    expect([...files.entries()]).toEqual([
      [`${dir}/zone0`, '410'],
      [`${dir}/zone1`, '520'],
    ]);
  });

  it('reads live procfs', async () => {
    const files = await readManyFiles(['/proc/self/stat', '/proc/loadavg'], 4096);
    expect(files.get('/proc/loadavg')).toMatch(/^\d/);
  });
});

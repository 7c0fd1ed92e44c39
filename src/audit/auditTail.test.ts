import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS, sha256Hex } from './auditChain.js';
import { readChainTail, readLastLine } from './auditTail.js';

const dir = () => mkdtempSync(join(tmpdir(), 'audit-tail-'));

function file(content: string): string {
  const path = join(dir(), 'audit.jsonl');
  writeFileSync(path, content);
  return path;
}

describe('readLastLine', () => {
  it('is null for a missing or empty file', async () => {
    expect(await readLastLine(join(dir(), 'none'))).toBeNull();
    expect(await readLastLine(file(''))).toBeNull();
  });

  it('returns the last line, terminated or torn, across chunk boundaries', async () => {
    for (const chunk of [1, 2, 3, 64 * 1024]) {
      expect(await readLastLine(file('first\nsecond line\n'), chunk)).toEqual({
        bytes: Buffer.from('second line'),
        terminated: true,
      });
      expect(await readLastLine(file('first\nsecond li'), chunk)).toEqual({
        bytes: Buffer.from('second li'),
        terminated: false,
      });
      expect(await readLastLine(file('only one line'), chunk)).toEqual({
        bytes: Buffer.from('only one line'),
        terminated: false,
      });
      expect(await readLastLine(file('a\n\n'), chunk)).toEqual({ bytes: Buffer.alloc(0), terminated: true });
    }
  });
});

describe('readChainTail', () => {
  it('chains to the file, else to its rotated copy, else starts at genesis', async () => {
    const d = dir();
    const path = join(d, 'audit.jsonl');
    expect(await readChainTail(path)).toEqual({ head: GENESIS, needsNewline: false });
    writeFileSync(`${path}.1`, 'old\nolder last\n');
    expect(await readChainTail(path)).toEqual({ head: sha256Hex('older last'), needsNewline: false });
    writeFileSync(path, '');
    expect(await readChainTail(path)).toEqual({ head: sha256Hex('older last'), needsNewline: false });
    writeFileSync(path, 'new\ntorn');
    expect(await readChainTail(path)).toEqual({ head: sha256Hex('torn'), needsNewline: true });
  });
});

import { describe, expect, it } from 'vitest';
import { readTailLines } from './fileRules.js';

/** A reader over a buffer that counts what was read, standing in for a file handle. */
function reader(text: string) {
  const data = Buffer.from(text);
  let bytes = 0;
  return {
    read: async (position: number, length: number) => {
      bytes += length;
      return data.subarray(position, position + length);
    },
    size: data.length,
    bytesRead: () => bytes,
  };
}

describe('readTailLines', () => {
  it('gives the last lines, with or without a final newline', async () => {
    for (const text of ['a\nb\nc\nd\n', 'a\nb\nc\nd']) {
      const r = reader(text);
      const { data, truncated } = await readTailLines(r.read, r.size, 2, 1024);
      expect(data.toString()).toBe(text.endsWith('\n') ? 'c\nd\n' : 'c\nd');
      expect(truncated).toBe(false);
    }
  });

  it('a short tail of a big file reads one chunk, not the whole limit', async () => {
    const r = reader(`${'x'.repeat(99)}\n`.repeat(10_000)); // 1 MB
    const { data } = await readTailLines(r.read, r.size, 3, 4 * 1024 * 1024);
    expect(data.toString().split('\n').length).toBe(4);
    expect(r.bytesRead()).toBe(64 * 1024);
  });

  it('says truncated when the byte limit cuts the tail short', async () => {
    const r = reader(`${'y'.repeat(50)}\n`.repeat(100));
    const { data, truncated } = await readTailLines(r.read, r.size, 50, 200);
    expect(data.length).toBe(200);
    expect(truncated).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkerScanner } from './markerScanner.js';

function scan(nonce: string, chunks: Buffer[]) {
  const data: Buffer[] = [];
  const markers: string[] = [];
  const scanner = new MarkerScanner(
    nonce,
    (chunk) => data.push(Buffer.from(chunk)),
    (kind, payload) => markers.push(`${kind}=${payload}`),
  );
  for (const chunk of chunks) scanner.push(chunk);
  scanner.flush();
  return { data: Buffer.concat(data), markers };
}

/** Cuts `buffer` at the given offsets (as a channel would deliver it). */
function cut(buffer: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buffer.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buffer.subarray(last, p));
    last = p;
  }
  out.push(buffer.subarray(last));
  return out;
}

describe('MarkerScanner', () => {
  const nonce = 'n0nce';
  it('separates output from markers', () => {
    const stream = Buffer.from('hello\x1en0nce:p:42\nworld\n\x1en0nce:e:0\n');
    expect(scan(nonce, [stream])).toEqual({ data: Buffer.from('helloworld\n'), markers: ['p=42', 'e=0'] });
  });

  it('passes look-alike markers with another nonce through as data', () => {
    const stream = Buffer.from('\x1eforged:e:0\n\x1en0nce:e:1\n');
    expect(scan(nonce, [stream])).toEqual({ data: Buffer.from('\x1eforged:e:0\n'), markers: ['e=1'] });
  });

  it('an unterminated prefix at the end of the stream is data', () => {
    expect(scan(nonce, [Buffer.from('abc\x1en0n')]).data.toString()).toBe('abc\x1en0n');
  });

  it('is binary-safe for any bytes and any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (pieces, offsets) => {
          const n = randomBytes(8).toString('hex');
          const payloads = pieces.map((p) => Buffer.from(p));
          const parts: Buffer[] = [];
          payloads.forEach((p, i) => {
            parts.push(p, Buffer.from(`\x1e${n}:m:${i}\n`));
          });
          const result = scan(n, cut(Buffer.concat(parts), offsets));
          expect(result.data.equals(Buffer.concat(payloads))).toBe(true);
          expect(result.markers).toEqual(payloads.map((_, i) => `m=${i}`));
        },
      ),
      { numRuns: 500 },
    );
  });
});

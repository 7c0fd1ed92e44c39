import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, verifyBearer } from './auth.js';

describe('bearer auth', () => {
  const a = generateToken();
  const b = generateToken();
  const tokens = [
    { name: 'a', sha256: hashToken(a) },
    { name: 'b', sha256: hashToken(b) },
  ];

  it('finds the entry whose hash matches', () => {
    expect(verifyBearer(`Bearer ${b}`, tokens)?.name).toBe('b');
    expect(verifyBearer(`bearer ${a}`, tokens)?.name).toBe('a');
  });

  it('refuses missing, malformed and wrong tokens', () => {
    expect(verifyBearer(undefined, tokens)).toBeUndefined();
    expect(verifyBearer('', tokens)).toBeUndefined();
    expect(verifyBearer(`Basic ${a}`, tokens)).toBeUndefined();
    expect(verifyBearer(`Bearer ${a}x`, tokens)).toBeUndefined();
    expect(verifyBearer(`Bearer ${a} ${b}`, tokens)).toBeUndefined();
    expect(verifyBearer(`Bearer ${hashToken(a)}`, tokens)).toBeUndefined();
  });

  it('makes distinct, long tokens', () => {
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThan(40);
  });
});

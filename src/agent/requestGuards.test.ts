import { describe, expect, it } from 'vitest';
import { isWellFormedHost } from './requestGuards.js';

describe('isWellFormedHost', () => {
  it('accepts names, addresses and ports a URL can be built from', () => {
    for (const host of [
      'localhost',
      'localhost:8222',
      '127.0.0.1:1',
      '[::1]:8222',
      '[::1]',
      'pi-1.lan:65535',
    ]) {
      expect(isWellFormedHost(host)).toBe(true);
    }
  });

  it('refuses what would make the request URL throw or mean something else (found by fuzzing)', () => {
    for (const host of [
      '',
      '127.0.0.1:-1',
      '127.0.0.1:99999',
      '[::1',
      '::1',
      'a b',
      'user@host',
      'h/x',
      'h?x',
      'h#x',
      'h\\x',
    ]) {
      expect(isWellFormedHost(host)).toBe(false);
    }
  });
});

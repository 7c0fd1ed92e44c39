import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePasswd, parsePidStatusUid } from './pidStatus.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parsePidStatusUid', () => {
  it('reads the real uid of a real /proc/self/status', () => {
    expect(parsePidStatusUid(sample('self-status-local.txt'))).toBe(0);
  });

  it('takes the real uid, not the effective one', () => {
    expect(parsePidStatusUid('Name:\tsudo\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n')).toBe(1000);
  });

  it('returns null for empty or garbage text', () => {
    expect(parsePidStatusUid('')).toBeNull();
    expect(parsePidStatusUid('Name:\tx\nUid:\tnobody\n')).toBeNull();
    expect(parsePidStatusUid('\u0000\u0001')).toBeNull();
  });
});

describe('parsePasswd', () => {
  it('maps uids to names from a real /etc/passwd', () => {
    const users = parsePasswd(sample('passwd-local.txt'));
    expect(users.get(0)).toBe('root');
    expect(users.get(1)).toBe('daemon');
    expect(users.get(65534)).toBe('nobody');
  });

  it('skips comments, NIS entries and garbled lines and keeps the first name per uid', () => {
    const text = [
      '# local users',
      'root:x:0:0:root:/root:/bin/bash',
      'toor:x:0:0:second root:/root:/bin/sh',
      '+@netgroup::::::',
      'broken line',
      'pi:x:abc:1000::/home/pi:/bin/bash',
      '  alice:x:1001:1001:Alice,,,:/home/alice:/bin/zsh  ',
      '',
    ].join('\n');
    expect([...parsePasswd(text)]).toEqual([
      [0, 'root'],
      [1001, 'alice'],
    ]);
  });

  it('returns an empty map for empty or garbage text', () => {
    expect(parsePasswd('').size).toBe(0);
    expect(parsePasswd('\u0000::::\n:::').size).toBe(0);
  });
});

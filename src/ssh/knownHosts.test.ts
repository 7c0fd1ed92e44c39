import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryMatchesHost,
  fingerprintSha256,
  type KnownHostEntry,
  keyTypeOfBlob,
  knownHostsLine,
  parseKnownHosts,
} from './knownHosts.js';

interface TestKey {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

let dir = '';
const keys: Record<'ed25519' | 'rsa' | 'ecdsa', TestKey> = {} as Record<'ed25519' | 'rsa' | 'ecdsa', TestKey>;

function run(cmd: string, args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout };
}

function generate(name: string, args: string[]): TestKey {
  const file = join(dir, name);
  const result = run('ssh-keygen', ['-q', ...args, '-N', '', '-C', `${name}@test`, '-f', file]);
  expect(result.status).toBe(0);
  const [type, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
  return { type: type ?? '', b64: b64 ?? '', blob: Buffer.from(b64 ?? '', 'base64'), pubFile: `${file}.pub` };
}

/** What OpenSSH itself says: does `ssh-keygen -F name` find a line in this known_hosts text? */
function opensshFinds(text: string, lookup: string): boolean {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  const { status } = run('ssh-keygen', ['-F', lookup, '-f', file]);
  rmSync(file);
  return status === 0;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-knownhosts-'));
  keys.ed25519 = generate('ed', ['-t', 'ed25519']);
  keys.rsa = generate('rsa', ['-t', 'rsa', '-b', '2048']);
  keys.ecdsa = generate('ecdsa', ['-t', 'ecdsa', '-b', '384']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('keyTypeOfBlob and fingerprintSha256', () => {
  it('reads the key type inside real ed25519, RSA and ECDSA blobs', () => {
    expect(keyTypeOfBlob(keys.ed25519.blob)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(keys.rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(keys.ecdsa.blob)).toBe('ecdsa-sha2-nistp384');
  });

  it('refuses a blob too short to hold a type string', () => {
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 0x73]))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => keyTypeOfBlob(Buffer.alloc(2))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('prints exactly what ssh-keygen -lf prints', () => {
    for (const key of Object.values(keys)) {
      const { stdout } = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pubFile]);
      const expected = stdout.split(' ')[1];
      expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(fingerprintSha256(key.blob)).toBe(expected);
    }
  });
});

describe('parseKnownHosts', () => {
  it('keeps markers, raw host fields and line numbers, and skips what ssh could not use', () => {
    const { ed25519: ed, rsa, ecdsa } = keys;
    const text = [
      '# a comment',
      '',
      `web1,10.0.0.1 ${ed.type} ${ed.b64} comment words`,
      `  [db]:2222 ${rsa.type} ${rsa.b64}\r`,
      `@revoked * ${ecdsa.type} ${ecdsa.b64}`,
      `@cert-authority *.example.com ${ed.type} ${ed.b64}`,
      `@bogus web1 ${ed.type} ${ed.b64}`,
      `web2 ${rsa.type} ${ed.b64}`,
      `web3 ${ed.type} not*base64`,
      'web4 2048 65537 1234567890',
      `web5 ${ed.type}`,
      '@revoked',
      `\tweb6\t${ed.type}\t${ed.b64}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, null, 'web1,10.0.0.1', 'ssh-ed25519'],
      [4, null, '[db]:2222', 'ssh-rsa'],
      [5, 'revoked', '*', 'ecdsa-sha2-nistp384'],
      [6, 'cert-authority', '*.example.com', 'ssh-ed25519'],
      [13, null, 'web6', 'ssh-ed25519'],
    ]);
    expect(entries[0]?.key.equals(ed.blob)).toBe(true);
    expect(entries[1]?.key.equals(rsa.blob)).toBe(true);
    expect(entries[2]?.key.equals(ecdsa.blob)).toBe(true);
  });

  it('returns nothing for empty or garbage text', () => {
    expect(parseKnownHosts('')).toEqual([]);
    expect(parseKnownHosts('\n\n   \n# only comments\n\0\0\0 garbage')).toEqual([]);
  });
});

describe('entryMatchesHost', () => {
  const entryFor = (hosts: string): KnownHostEntry => {
    const [entry] = parseKnownHosts(`${hosts} ${keys.ed25519.type} ${keys.ed25519.b64}\n`);
    if (!entry) throw new Error(`no entry for ${hosts}`);
    return entry;
  };

  const cases: [hosts: string, host: string, port: number, expected: boolean][] = [
    ['web1', 'web1', 22, true],
    ['web1', 'web1', 2222, false],
    ['web1', 'web10', 22, false],
    ['web1,10.0.0.1', '10.0.0.1', 22, true],
    ['[web1]:2222', 'web1', 2222, true],
    ['[web1]:2222', 'web1', 22, false],
    ['[web1]:2222', 'web1', 2223, false],
    ['*.example.com', 'a.example.com', 22, true],
    ['*.example.com', 'example.com', 22, false],
    ['*.example.com', 'a.example.com', 2222, false],
    ['[*.example.com]:2222', 'a.example.com', 2222, true],
    ['*', 'anything', 2222, true],
    ['web?', 'web1', 22, true],
    ['web?', 'web', 22, false],
    ['web?', 'web12', 22, false],
    ['*.example.com,!bad.example.com', 'good.example.com', 22, true],
    ['*.example.com,!bad.example.com', 'bad.example.com', 22, false],
    ['!bad.example.com,*.example.com', 'bad.example.com', 22, false],
    ['!bad.example.com', 'good.example.com', 22, false],
    ['*.EXAMPLE.com', 'A.example.COM', 22, true],
    ['::1', '::1', 22, true],
    ['[::1]:2222', '::1', 2222, true],
    ['10.0.0.*', '10.0.0.7', 22, true],
    ['a*b*c', 'aXbYbZc', 22, true],
    ['a*b*c', 'aXbYbZ', 22, false],
  ];

  it.each(cases)('%s vs %s port %d → %s, as ssh-keygen -F says', (hosts, host, port, expected) => {
    expect(entryMatchesHost(entryFor(hosts), host, port)).toBe(expected);
    const lookup = port === 22 ? host : `[${host}]:${port}`;
    expect(opensshFinds(`${hosts} ${keys.ed25519.type} ${keys.ed25519.b64}\n`, lookup)).toBe(expected);
  });

  it('matches entries hashed by ssh-keygen -H only for their own host and port', () => {
    const file = join(dir, 'hashed_known_hosts');
    const { ed25519: ed, rsa } = keys;
    writeFileSync(
      file,
      [
        `web1 ${ed.type} ${ed.b64}`,
        `[db.example.com]:2222 ${rsa.type} ${rsa.b64}`,
        `Mixed.Case ${ed.type} ${ed.b64}`,
      ]
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(run('ssh-keygen', ['-q', '-H', '-f', file]).status).toBe(0);
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect(entry.hosts).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+$/);
    const [web1, db, mixed] = entries as [KnownHostEntry, KnownHostEntry, KnownHostEntry];
    expect(entryMatchesHost(web1, 'web1', 22)).toBe(true);
    expect(entryMatchesHost(web1, 'WEB1', 22)).toBe(true);
    expect(entryMatchesHost(web1, 'web1', 2222)).toBe(false);
    expect(entryMatchesHost(web1, 'web2', 22)).toBe(false);
    expect(entryMatchesHost(db, 'db.example.com', 2222)).toBe(true);
    expect(entryMatchesHost(db, 'db.example.com', 22)).toBe(false);
    // ssh-keygen -H hashes the lowercased name, and ssh lowercases the destination before looking it up.
    expect(opensshFinds(readFileSync(file, 'utf8'), 'mixed.case')).toBe(true);
    expect(entryMatchesHost(mixed, 'mixed.case', 22)).toBe(true);
    expect(entryMatchesHost(mixed, 'Mixed.Case', 22)).toBe(true);
    expect(db.key.equals(rsa.blob)).toBe(true);
  });

  it('never matches a malformed hashed field', () => {
    for (const hosts of ['|1|', '|1|abc|def', '|2|AAAA|BBBB', '|1|c2FsdA==|bWFj|extra']) {
      expect(entryMatchesHost({ ...entryFor('x'), hosts }, 'x', 22)).toBe(false);
    }
  });
});

describe('knownHostsLine', () => {
  it('writes host or [host]:port lines that OpenSSH and parseKnownHosts both find', () => {
    const { ed25519: ed, rsa } = keys;
    expect(knownHostsLine('web1', 22, ed.blob)).toBe(`web1 ssh-ed25519 ${ed.b64}`);
    expect(knownHostsLine('Web1', 2222, rsa.blob)).toBe(`[web1]:2222 ssh-rsa ${rsa.b64}`);
    const text = `${knownHostsLine('web1', 22, ed.blob)}\n${knownHostsLine('::1', 2222, rsa.blob)}\n`;
    expect(opensshFinds(text, 'web1')).toBe(true);
    expect(opensshFinds(text, '[::1]:2222')).toBe(true);
    const [first, second] = parseKnownHosts(text) as [KnownHostEntry, KnownHostEntry];
    expect(entryMatchesHost(first, 'web1', 22)).toBe(true);
    expect(entryMatchesHost(second, '::1', 2222)).toBe(true);
    expect(second.key.equals(rsa.blob)).toBe(true);
  });

  it('refuses host names that would become patterns, markers or extra fields', () => {
    for (const host of [
      '',
      '*',
      'web?',
      'a,b',
      '!web',
      'web 1',
      'web\n*',
      '|1|x|y',
      '@revoked',
      '[web]:22',
    ]) {
      expect(() => knownHostsLine(host, 22, keys.ed25519.blob)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => knownHostsLine('web1', 0, keys.ed25519.blob)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import { createHostKeyVerifier, type HostKeyPolicy } from './hostKeyVerifier.js';
import { entryMatchesHost, fingerprintSha256, parseKnownHosts } from './knownHosts.js';

interface TestKey {
  type: string;
  b64: string;
  blob: Buffer;
  fingerprint: string;
  line: (hosts: string) => string;
}

let root = '';
let counter = 0;
const keys = {} as Record<'a' | 'b' | 'rsa' | 'ecdsa', TestKey>;

function generate(name: string, args: string[]): TestKey {
  const file = join(root, name);
  const result = spawnSync('ssh-keygen', ['-q', ...args, '-N', '', '-f', file], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  const [type = '', b64 = ''] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
  const blob = Buffer.from(b64, 'base64');
  return {
    type,
    b64,
    blob,
    fingerprint: fingerprintSha256(blob),
    line: (hosts) => `${hosts} ${type} ${b64}`,
  };
}

/** A fresh directory per test so files never leak between cases. */
function freshDir(): string {
  const dir = join(root, `case-${++counter}`);
  mkdirSync(dir);
  return dir;
}

function knownHosts(lines: string[]): string {
  const file = join(freshDir(), 'known_hosts');
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

function policy(overrides: Partial<HostKeyPolicy>): HostKeyPolicy {
  return { host: 'web1', port: 22, knownHostsFiles: [], trustOnFirstUse: false, ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<FleetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  const fleetError = error as FleetError;
  expect(fleetError.code).toBe('HOST_KEY_REJECTED');
  return fleetError;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mcpf-hostkey-'));
  keys.a = generate('a', ['-t', 'ed25519']);
  keys.b = generate('b', ['-t', 'ed25519']);
  keys.rsa = generate('rsa', ['-t', 'rsa', '-b', '2048']);
  keys.ecdsa = generate('ecdsa', ['-t', 'ecdsa', '-b', '256']);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('pinned fingerprints', () => {
  it('accepts a pinned key without reading any known_hosts file', async () => {
    const reads: string[] = [];
    const verifier = createHostKeyVerifier(
      policy({
        pinned: [keys.b.fingerprint, `${keys.a.fingerprint}=`],
        knownHostsFiles: ['/nonexistent/kh'],
      }),
      {
        readFile: async (p) => {
          reads.push(p);
          return '';
        },
      },
    );
    await expect(verifier.verify(keys.a.blob)).resolves.toBe('pinned');
    await expect(verifier.preferredKeyTypes()).resolves.toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('refuses any other key, even one known_hosts trusts, and says how to fix it', async () => {
    const file = knownHosts([keys.b.line('web1')]);
    const verifier = createHostKeyVerifier(
      policy({ port: 2200, pinned: [keys.a.fingerprint], knownHostsFiles: [file] }),
    );
    const error = await rejection(verifier.verify(keys.b.blob));
    expect(error.data).toEqual({
      host: 'web1',
      port: 2200,
      fingerprint: keys.b.fingerprint,
      key_type: 'ssh-ed25519',
      reason: 'pin-mismatch',
    });
    expect(error.message).toContain('web1:2200');
    expect(error.message).toContain(keys.b.fingerprint);
    expect(error.message).toContain(keys.a.fingerprint);
    expect(error.message).toContain('ssh-keyscan -p 2200 web1');
    expect(error.message).toContain('ssh.host_key');
  });
});

describe('known_hosts', () => {
  it('accepts a key listed for the host, in any of the files, plain or [host]:port', async () => {
    const other = knownHosts(['# nothing here', keys.b.line('web2')]);
    const file = knownHosts([
      keys.b.line('web2'),
      keys.a.line('web1,10.0.0.1'),
      keys.rsa.line('[web1]:2222'),
    ]);
    const missing = join(freshDir(), 'absent', 'known_hosts');
    const files = [missing, other, file];
    await expect(createHostKeyVerifier(policy({ knownHostsFiles: files })).verify(keys.a.blob)).resolves.toBe(
      'known',
    );
    const on2222 = createHostKeyVerifier(policy({ port: 2222, knownHostsFiles: files }));
    await expect(on2222.verify(keys.rsa.blob)).resolves.toBe('known');
    expect(existsSync(missing)).toBe(false);
  });

  it('accepts keys from entries hashed by ssh-keygen -H', async () => {
    const file = knownHosts([keys.a.line('web1'), keys.rsa.line('[web1]:2222')]);
    expect(spawnSync('ssh-keygen', ['-q', '-H', '-f', file]).status).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('web1');
    await expect(
      createHostKeyVerifier(policy({ knownHostsFiles: [file] })).verify(keys.a.blob),
    ).resolves.toBe('known');
    const on2222 = createHostKeyVerifier(policy({ port: 2222, knownHostsFiles: [file] }));
    await expect(on2222.verify(keys.rsa.blob)).resolves.toBe('known');
    await expect(on2222.preferredKeyTypes()).resolves.toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  it('refuses a changed key naming the file and line of the known one, even with trust_on_first_use', async () => {
    const file = knownHosts(['# header', keys.b.line('web2'), keys.a.line('*.example.com,web1')]);
    const before = readFileSync(file, 'utf8');
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file], trustOnFirstUse: true }));
    const error = await rejection(verifier.verify(keys.b.blob));
    expect(error.data).toMatchObject({
      fingerprint: keys.b.fingerprint,
      key_type: 'ssh-ed25519',
      reason: 'changed',
    });
    expect(error.message).toContain('web1:22');
    expect(error.message).toContain(`${file}:3`);
    expect(error.message).toContain(keys.b.fingerprint);
    expect(error.message).toContain(keys.a.fingerprint);
    expect(error.message).toContain(`ssh-keygen -R 'web1' -f ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('treats a known key of another type as a change, and offers that type first to ssh2', async () => {
    const file = knownHosts([keys.ecdsa.line('web1')]);
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file], trustOnFirstUse: true }));
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data).toMatchObject({ reason: 'changed', key_type: 'ssh-ed25519' });
    expect(error.message).toContain('ecdsa-sha2-nistp256');
    await expect(verifier.preferredKeyTypes()).resolves.toEqual(['ecdsa-sha2-nistp256']);
  });

  it('refuses an unknown host without trust_on_first_use and explains the three fixes', async () => {
    const file = knownHosts([keys.a.line('web1')]);
    const verifier = createHostKeyVerifier(policy({ host: 'db', port: 2222, knownHostsFiles: [file] }));
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data).toEqual({
      host: 'db',
      port: 2222,
      fingerprint: keys.a.fingerprint,
      key_type: 'ssh-ed25519',
      reason: 'unknown',
    });
    expect(error.message).toContain('db:2222');
    expect(error.message).toContain(`ssh.host_key: "${keys.a.fingerprint}"`);
    expect(error.message).toContain('ssh-keyscan -p 2222 db | ssh-keygen -lf -');
    expect(error.message).toContain(file);
    expect(error.message).toContain('ssh.trust_on_first_use: true');
    expect(readFileSync(file, 'utf8')).toBe(`${keys.a.line('web1')}\n`);
  });

  it('a plain host entry does not vouch for another port', async () => {
    const file = knownHosts([keys.a.line('web1')]);
    const verifier = createHostKeyVerifier(policy({ port: 2222, knownHostsFiles: [file] }));
    expect((await rejection(verifier.verify(keys.a.blob))).data.reason).toBe('unknown');
  });

  it('ignores @cert-authority entries: they neither accept nor count as a known key', async () => {
    const file = knownHosts([
      `@cert-authority ${keys.a.line('*')}`,
      `@cert-authority ${keys.b.line('web1')}`,
    ]);
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file] }));
    expect((await rejection(verifier.verify(keys.a.blob))).data.reason).toBe('unknown');
    await expect(verifier.preferredKeyTypes()).resolves.toBeUndefined();
  });

  it('refuses a revoked key even when another line lists it and trust_on_first_use is on', async () => {
    const file = knownHosts([keys.a.line('web1'), `@revoked ${keys.a.line('*')}`]);
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file], trustOnFirstUse: true }));
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data).toMatchObject({ reason: 'revoked', fingerprint: keys.a.fingerprint });
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain('web1:22');
    const fresh = knownHosts([`@revoked ${keys.b.line('*')}`]);
    const tofu = createHostKeyVerifier(policy({ knownHostsFiles: [fresh], trustOnFirstUse: true }));
    expect((await rejection(tofu.verify(keys.b.blob))).data.reason).toBe('revoked');
    await expect(tofu.verify(keys.a.blob)).resolves.toBe('trusted-on-first-use');
  });

  it('refuses rather than guesses when a known_hosts file cannot be read', async () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const verifier = createHostKeyVerifier(
      policy({ knownHostsFiles: ['/kh1', '/kh2'], trustOnFirstUse: true }),
      {
        readFile: async (p) => {
          if (p === '/kh2') throw eacces;
          return '';
        },
        appendFile: async () => {
          throw new Error('must not record');
        },
      },
    );
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data.reason).toBe('unreadable');
    expect(error.message).toContain('/kh2');
    await expect(verifier.preferredKeyTypes()).resolves.toBeUndefined();
  });

  it('refuses a malformed key blob', async () => {
    const verifier = createHostKeyVerifier(policy({ trustOnFirstUse: true, knownHostsFiles: ['/x'] }));
    const error = await rejection(verifier.verify(Buffer.from([0, 0])));
    expect(error.data.reason).toBe('malformed');
  });
});

describe('trust on first use', () => {
  it('creates a missing file (0600, directory 0700) whose line parseKnownHosts then matches', async () => {
    const file = join(freshDir(), 'ssh', 'known_hosts');
    const verifier = createHostKeyVerifier(
      policy({ host: 'db', port: 2222, knownHostsFiles: [file], trustOnFirstUse: true }),
    );
    await expect(verifier.verify(keys.rsa.blob)).resolves.toBe('trusted-on-first-use');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`[db]:2222 ssh-rsa ${keys.rsa.b64}\n`);
    const [entry] = parseKnownHosts(text);
    expect(entry && entryMatchesHost(entry, 'db', 2222) && entry.key.equals(keys.rsa.blob)).toBe(true);
    await expect(verifier.verify(keys.rsa.blob)).resolves.toBe('known');
    await expect(verifier.preferredKeyTypes()).resolves.toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect((await rejection(verifier.verify(keys.a.blob))).data.reason).toBe('changed');
  });

  it('appends to the first file on a line of its own, keeping what was there', async () => {
    const first = join(freshDir(), 'known_hosts');
    writeFileSync(first, keys.b.line('web2'));
    const second = knownHosts([keys.b.line('web3')]);
    const verifier = createHostKeyVerifier(
      policy({ knownHostsFiles: [first, second], trustOnFirstUse: true }),
    );
    await expect(verifier.verify(keys.a.blob)).resolves.toBe('trusted-on-first-use');
    expect(readFileSync(first, 'utf8')).toBe(`${keys.b.line('web2')}\n${keys.a.line('web1')}\n`);
    expect(readFileSync(second, 'utf8')).toBe(`${keys.b.line('web3')}\n`);
  });

  it('records only the first of two racing keys; the second is a change', async () => {
    const file = join(freshDir(), 'known_hosts');
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file], trustOnFirstUse: true }));
    const results = await Promise.allSettled([verifier.verify(keys.a.blob), verifier.verify(keys.b.blob)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'trusted-on-first-use' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { data: { reason: 'changed' } } });
    expect(parseKnownHosts(readFileSync(file, 'utf8'))).toHaveLength(1);
  });

  it('a write failure is a rejection carrying the reason', async () => {
    const blocker = join(freshDir(), 'not-a-dir');
    writeFileSync(blocker, '');
    const file = join(blocker, 'known_hosts');
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [file], trustOnFirstUse: true }));
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data).toMatchObject({ reason: 'record-failed', fingerprint: keys.a.fingerprint });
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/EEXIST|ENOTDIR/);
    expect(error.message).toContain(`ssh.host_key: "${keys.a.fingerprint}"`);
  });

  it('refuses when there is no file to record the key in', async () => {
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [], trustOnFirstUse: true }));
    const error = await rejection(verifier.verify(keys.a.blob));
    expect(error.data.reason).toBe('unknown');
    expect(error.message).toContain('known_hosts file');
  });
});

describe('preferredKeyTypes', () => {
  it('lists the known types in file order, expanding ssh-rsa to the rsa-sha2 algorithms', async () => {
    const file = knownHosts([
      keys.rsa.line('web1'),
      keys.b.line('web2'),
      `@revoked ${keys.ecdsa.line('web1')}`,
      keys.a.line('web?'),
      keys.a.line('web1'),
    ]);
    const verifier = createHostKeyVerifier(policy({ knownHostsFiles: [join(root, 'absent'), file] }));
    await expect(verifier.preferredKeyTypes()).resolves.toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
  });

  it('is undefined when nothing is known for the host', async () => {
    const file = knownHosts([keys.a.line('web2')]);
    await expect(
      createHostKeyVerifier(policy({ knownHostsFiles: [file] })).preferredKeyTypes(),
    ).resolves.toBe(undefined);
  });
});

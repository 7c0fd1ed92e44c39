import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { createJoinTokenStore, parseTtl } from './joinTokens.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'mcpf-join-')), 'join-tokens.json');
const HOUR = 3_600_000;

describe('parseTtl', () => {
  it('reads minutes, hours, days and seconds', () => {
    expect(parseTtl('30m')).toBe(30 * 60_000);
    expect(parseTtl('1h')).toBe(HOUR);
    expect(parseTtl('2d')).toBe(2 * 24 * HOUR);
    expect(parseTtl('90')).toBe(90_000);
    expect(parseTtl('90s')).toBe(90_000);
    expect(parseTtl('7d')).toBe(7 * 24 * HOUR);
  });

  it('refuses zero, more than 7 days and other forms with a usage error', () => {
    for (const bad of ['0', '8d', '169h', '1w', '', '1.5h', '-1h', 'h']) {
      expect(() => parseTtl(bad), bad).toThrow(FleetError);
      try {
        parseTtl(bad);
      } catch (error) {
        expect((error as FleetError).code).toBe('USAGE');
      }
    }
  });
});

describe('join token store', () => {
  it('creates an mcpj_ token and stores only its hash and times, mode 0600', async () => {
    const path = tempFile();
    const t = Date.parse('2025-01-01T00:00:00Z');
    const store = createJoinTokenStore(path, { now: () => t });
    const { token, expires_at } = await store.create();
    expect(token).toMatch(/^mcpj_[A-Za-z0-9_-]{43}$/);
    expect(expires_at).toBe('2025-01-01T01:00:00.000Z');
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      tokens: [
        {
          sha256: createHash('sha256').update(token).digest('hex'),
          created_at: '2025-01-01T00:00:00.000Z',
          expires_at: '2025-01-01T01:00:00.000Z',
        },
      ],
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a token is consumed once; a second consume and an unknown token fail', async () => {
    const store = createJoinTokenStore(tempFile());
    const { token } = await store.create(HOUR);
    expect(await store.isValid(token)).toBe(true);
    expect(await store.consume('mcpj_not-a-token')).toBe(false);
    expect(await store.consume(token)).toBe(true);
    expect(await store.isValid(token)).toBe(false);
    expect(await store.consume(token)).toBe(false);
  });

  it('two concurrent consumes of one token: exactly one succeeds', async () => {
    const path = tempFile();
    const store = createJoinTokenStore(path);
    const { token } = await store.create(HOUR);
    // Also through a second store on the same file, as a second process would hold.
    const other = createJoinTokenStore(path);
    const results = await Promise.all([
      store.consume(token),
      store.consume(token),
      other.consume(token),
      other.consume(token),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('concurrent creates keep every token', async () => {
    const path = tempFile();
    const a = createJoinTokenStore(path);
    const b = createJoinTokenStore(path);
    const made = await Promise.all([a.create(), b.create(), a.create(), b.create()]);
    for (const { token } of made) expect(await a.consume(token)).toBe(true);
  });

  it('expired tokens are refused and pruned from the file', async () => {
    const path = tempFile();
    let t = Date.parse('2025-01-01T00:00:00Z');
    const store = createJoinTokenStore(path, { now: () => t });
    const { token: short } = await store.create(60_000);
    const { token: long } = await store.create(HOUR);
    t += 60_000;
    expect(await store.isValid(short)).toBe(false);
    expect(await store.consume(short)).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens).toHaveLength(1);
    expect(await store.consume(long)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens).toEqual([]);
  });

  it('refuses a ttl above 7 days', async () => {
    const store = createJoinTokenStore(tempFile());
    await expect(store.create(8 * 24 * HOUR)).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('an invalid file is CONFIG_INVALID naming the file and the field', async () => {
    const path = tempFile();
    writeFileSync(path, JSON.stringify({ version: 1, tokens: [{ sha256: 'xyz', created_at: 'now' }] }));
    const store = createJoinTokenStore(path);
    const error = await store.consume('mcpj_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    expect((error as FleetError).message).toContain(path);
    expect((error as FleetError).message).toContain('tokens.0.sha256');
    expect((error as FleetError).message).toContain('tokens.0.expires_at');
  });

  it('unknown keys in the file are refused (strict)', async () => {
    const path = tempFile();
    writeFileSync(path, JSON.stringify({ version: 1, tokens: [], extra: true }));
    await expect(createJoinTokenStore(path).isValid('mcpj_x')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

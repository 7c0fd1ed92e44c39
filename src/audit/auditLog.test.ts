import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from './auditLog.js';
import { redactArguments } from './redact.js';

const entry = (i: number) => ({
  principal: 'laptop',
  tool: 'exec',
  args: { argv: ['echo', String(i)] },
  outcome: 'ok' as const,
  duration_ms: i,
});

describe('audit log', () => {
  it('appends one whole JSON line per call, in order, under concurrency', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'sub', 'audit.jsonl');
    const audit = createAuditLog({ path, now: () => new Date('2026-01-01T00:00:00Z') });
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record(entry(i))));
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.duration_ms)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(parsed[0]).toEqual({ time: '2026-01-01T00:00:00.000Z', ...entry(0) });
  });

  it('rotates by size and keeps N old files', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
    const audit = createAuditLog({ path, maxBytes: 300, keep: 2 });
    for (let i = 0; i < 20; i++) await audit.record(entry(i));
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const file of [path, `${path}.1`, `${path}.2`]) {
      expect(readFileSync(file, 'utf8').length).toBeLessThanOrEqual(300);
    }
    const last = readFileSync(path, 'utf8').trimEnd().split('\n').at(-1) ?? '';
    expect(JSON.parse(last).duration_ms).toBe(19);
  });

  it('reports a failing disk instead of throwing into the call', async () => {
    const errors: Error[] = [];
    const audit = createAuditLog({ path: '/dev/null/audit/audit.jsonl', onError: (e) => errors.push(e) });
    await expect(audit.record(entry(1))).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
  });

  it('does not hold a call hostage to a hung filesystem', async () => {
    // mkdir -p under /proc never settles on Node 20: a stand-in for a dead network mount.
    const errors: Error[] = [];
    const audit = createAuditLog({
      path: '/proc/no-such-dir/audit.jsonl',
      maxWaitMs: 200,
      onError: (e) => errors.push(e),
    });
    await expect(audit.record(entry(1))).resolves.toBeUndefined();
    expect(errors.map((e) => e.message).join()).toContain('still pending');
  });
});

describe('redactArguments', () => {
  it('hides secrets, env values, file contents and stdin', () => {
    const out = redactArguments({
      argv: ['ls'],
      env: { PASSWORD: 'hunter2', PATH: '/bin' },
      content: 'topsecret',
      stdin: 'also secret',
      api_key: 'k',
      nested: { auth_token: 't', ok: 'visible' },
    });
    const text = JSON.stringify(out);
    for (const secret of ['hunter2', 'topsecret', 'also secret', '"k"', '"t"'])
      expect(text).not.toContain(secret);
    expect(text).toContain('visible');
    expect(out).toMatchObject({
      env: { PASSWORD: '[redacted]', PATH: '[redacted]' },
      content: { bytes: 9 },
      api_key: '[redacted]',
    });
  });
});

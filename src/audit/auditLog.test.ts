import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/toolAssertions.js';
import { GENESIS, sha256Hex } from './auditChain.js';
import { createAuditLog } from './auditLog.js';
import { redactArguments } from './redact.js';
import { verifyAuditFiles, withRotated } from './verify.js';

const entry = (i: number) => ({
  principal: 'laptop',
  tool: 'exec',
  args: { argv: ['echo', String(i)] },
  outcome: 'ok' as const,
  duration_ms: i,
});

const tempPath = () => join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
const linesOf = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');
const verify = (...files: string[]) =>
  verifyAuditFiles(files.map((file) => ({ file, data: readFileSync(file) })));

describe('audit log', () => {
  it('appends one whole JSON line per call, in order and chained, under concurrency', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'sub', 'audit.jsonl');
    const audit = createAuditLog({ path, now: () => new Date('2026-01-01T00:00:00Z') });
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record(entry(i))));
    const lines = linesOf(path);
    expect(lines).toHaveLength(50);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.duration_ms)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(parsed[0]).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      ...entry(0),
      prev: GENESIS,
      seal: expect.any(String),
    });
    // Each line carries the hash of the exact bytes of the line before.
    for (let i = 1; i < 50; i++) expect(parsed[i].prev).toBe(sha256Hex(lines[i - 1] ?? ''));
    expect(verify(path)).toMatchObject({ ok: true, lines: 50, start: GENESIS });
  });

  it('continues the chain after a restart', async () => {
    const path = tempPath();
    const first = createAuditLog({ path });
    for (let i = 0; i < 3; i++) await first.record(entry(i));
    const second = createAuditLog({ path });
    for (let i = 3; i < 6; i++) await second.record(entry(i));
    expect(verify(path)).toMatchObject({ ok: true, lines: 6, start: GENESIS });
  });

  it('rotates by size, keeps N old files, and chains each new file to the rotated one', async () => {
    const path = tempPath();
    const audit = createAuditLog({ path, maxBytes: 600, keep: 2 });
    for (let i = 0; i < 20; i++) await audit.record(entry(i));
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const file of [path, `${path}.1`, `${path}.2`]) {
      expect(readFileSync(file, 'utf8').length).toBeLessThanOrEqual(600);
    }
    expect(JSON.parse(linesOf(path).at(-1) ?? '').duration_ms).toBe(19);
    // The oldest kept file continues one that was rotated away: anchored, not from genesis.
    const v = verify(`${path}.2`, `${path}.1`, path);
    expect(v.ok).toBe(true);
    expect(v.start).not.toBe(GENESIS);
    expect(verify(`${path}.1`, `${path}.2`, path).ok).toBe(false);
  });

  it('keeps the whole history verifiable from genesis across rotations while nothing is dropped', async () => {
    const path = tempPath();
    const audit = createAuditLog({ path, maxBytes: 600, keep: 10 });
    for (let i = 0; i < 8; i++) await audit.record(entry(i));
    const files = [4, 3, 2, 1].map((n) => `${path}.${n}`).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(1);
    expect(verify(...files, path)).toMatchObject({ ok: true, lines: 8, start: GENESIS });
  });

  it('deletes rotated files past a lowered keep, so the kept ones still verify as one chain', async () => {
    const path = tempPath();
    const audit = createAuditLog({ path, maxBytes: 600, keep: 5 });
    for (let i = 0; i < 12; i++) await audit.record(entry(i));
    expect(existsSync(`${path}.5`)).toBe(true);
    audit.configure({ maxBytes: 600, keep: 2 });
    for (let i = 12; i < 16; i++) await audit.record(entry(i));
    for (const n of [3, 4, 5]) expect(existsSync(`${path}.${n}`)).toBe(false);
    const { files, missing } = await withRotated(path);
    expect(files).toEqual([`${path}.2`, `${path}.1`, path]);
    expect(missing).toEqual([]);
    expect(verify(...files).ok).toBe(true);
  });

  it('when rotation cannot rename the file, keeps appending whole lines to it and says so once', async () => {
    const path = tempPath();
    const first = createAuditLog({ path });
    for (let i = 0; i < 2; i++) await first.record(entry(i));
    appendFileSync(path, '{"time":"2026-01-01T00:00:00.000Z","principal":"lap');
    // A real refusal: rename(path, path.1) fails (EISDIR) while path.1 is a non-empty directory.
    mkdirSync(`${path}.1`);
    writeFileSync(join(`${path}.1`, 'x'), 'x');
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const errors: Error[] = [];
    const audit = createAuditLog({
      path,
      maxBytes: 300,
      keep: 1,
      retryMs: 1000,
      now: () => new Date(clock),
      onError: (e) => errors.push(e),
    });
    for (let i = 2; i < 6; i++) {
      await audit.record(entry(i));
      clock += 400;
    }
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^audit rotation of .* failed: EISDIR.*; appending to it past max_bytes/),
    ]);
    // The torn tail is ended before the next record, not glued to it, and nothing was lost.
    const lines = linesOf(path);
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[3] ?? '')).toMatchObject({ duration_ms: 2, prev: sha256Hex(lines[2] ?? '') });
    expect(lines.slice(3).map((l) => JSON.parse(l).duration_ms)).toEqual([2, 3, 4, 5]);
    expect(statSync(path).size).toBeGreaterThan(300);
    expect(verify(path).files[0]?.problems.map((p) => p.line)).toEqual([3]);
    // Once the rename can work, the next rotation (retryMs after the last failed one) goes through.
    rmSync(`${path}.1`, { recursive: true });
    clock += 1000;
    await audit.record(entry(6));
    expect(errors).toHaveLength(1);
    expect(linesOf(path).map((l) => JSON.parse(l).duration_ms)).toEqual([6]);
    const v = verify(`${path}.1`, path);
    expect(v.lines).toBe(8);
    expect(v.files[0]?.problems.map((p) => p.line)).toEqual([3]);
    expect(v.files[1]?.ok).toBe(true);
  });

  it('after a restart that finds only the rotated file, chains to its last line', async () => {
    const path = tempPath();
    const first = createAuditLog({ path });
    for (let i = 0; i < 2; i++) await first.record(entry(i));
    renameSync(path, `${path}.1`);
    await createAuditLog({ path }).record(entry(2));
    expect(verify(`${path}.1`, path)).toMatchObject({ ok: true, lines: 3, start: GENESIS });
  });

  it('never glues a record onto a torn last line: ends it, chains past it, and verify names it', async () => {
    const path = tempPath();
    const first = createAuditLog({ path });
    for (let i = 0; i < 2; i++) await first.record(entry(i));
    appendFileSync(path, '{"time":"2026-01-01T00:00:00.000Z","principal":"lap');
    await createAuditLog({ path }).record(entry(2));
    const lines = linesOf(path);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3] ?? '')).toMatchObject({ duration_ms: 2, prev: sha256Hex(lines[2] ?? '') });
    const v = verify(path);
    expect(v.ok).toBe(false);
    expect(v.files[0]?.problems).toEqual([
      {
        line: 3,
        reason:
          'not a whole JSON record; the next line chains to it, so the writer itself left it torn (a crash or a full disk mid-write)',
      },
    ]);
  });

  it('holds records the file does not take and writes them, in order and chained, once it does', async () => {
    const path = tempPath();
    const errors: Error[] = [];
    const audit = createAuditLog({ path, onError: (e) => errors.push(e) });
    await audit.record(entry(0));
    // The audit path becomes a directory: every write fails until it is a file again.
    renameSync(path, `${path}.aside`);
    mkdirSync(path);
    for (let i = 1; i <= 3; i++) await audit.record(entry(i));
    expect(errors).toHaveLength(3);
    expect(errors[2]?.message).toMatch(
      /^audit write to .* failed: .*; 3 record\(s\) held until it takes them$/,
    );
    rmdirSync(path);
    renameSync(`${path}.aside`, path);
    await audit.record(entry(4));
    expect(linesOf(path).map((l) => JSON.parse(l).duration_ms)).toEqual([0, 1, 2, 3, 4]);
    expect(verify(path)).toMatchObject({ ok: true, lines: 5, start: GENESIS });
  });

  it('writes held records when the file takes them again, without waiting for another call', async () => {
    const path = tempPath();
    const audit = createAuditLog({ path, retryMs: 50, onError: () => {} });
    await audit.record(entry(0));
    renameSync(path, `${path}.aside`);
    mkdirSync(path);
    await audit.record(entry(1));
    rmdirSync(path);
    renameSync(`${path}.aside`, path);
    await waitFor('the held record to be written', () => linesOf(path).length === 2);
    expect(verify(path)).toMatchObject({ ok: true, lines: 2 });
  });

  it('past its backlog, counts the records it drops and writes one audit_gap record for them', async () => {
    const path = tempPath();
    const audit = createAuditLog({ path, maxBacklogBytes: 200, onError: () => {} });
    await audit.record(entry(0));
    renameSync(path, `${path}.aside`);
    mkdirSync(path);
    for (let i = 1; i <= 5; i++) await audit.record(entry(i));
    rmdirSync(path);
    renameSync(`${path}.aside`, path);
    // The first record after the disk is back still finds the backlog full: counted, and it
    // drains the backlog; the next one is written.
    await audit.record(entry(6));
    await audit.record(entry(7));
    const parsed = linesOf(path).map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.tool)).toEqual(['exec', 'exec', 'audit_gap', 'exec']);
    expect(parsed[2]).toMatchObject({ outcome: 'error', error_code: 'IO_ERROR', args: { dropped: 5 } });
    expect(parsed[3].duration_ms).toBe(7);
    expect(verify(path).ok).toBe(true);
  });

  it('never counts a dropped record into a gap record whose write has begun', async () => {
    const path = tempPath();
    // A backlog smaller than any record: while anything is held, every new record is counted.
    const audit = createAuditLog({ path, maxBacklogBytes: 50, onError: () => {} });
    await audit.record(entry(0));
    renameSync(path, `${path}.aside`);
    mkdirSync(path);
    for (let i = 1; i <= 3; i++) await audit.record(entry(i));
    rmdirSync(path);
    renameSync(`${path}.aside`, path);
    // Records arrive at every turn of the event loop until several gap records have been
    // written: some arrive while one is being written (bounded: 2,000 records at most).
    const calls: Array<Promise<void>> = [];
    const gapsWritten = () => readFileSync(path, 'utf8').split('"tool":"audit_gap"').length - 1;
    let n = 4;
    for (; n < 2000 && gapsWritten() < 5; n++) {
      calls.push(audit.record(entry(n)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    const parsed = linesOf(path).map((l) => JSON.parse(l));
    const dropped = parsed.filter((p) => p.tool === 'audit_gap').reduce((sum, p) => sum + p.args.dropped, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(parsed.filter((p) => p.tool === 'exec').length + dropped).toBe(n);
    expect(verify(path).ok).toBe(true);
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

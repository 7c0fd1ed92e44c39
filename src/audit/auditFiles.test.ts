import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditFiles } from './auditFiles.js';
import { verifyAuditFiles } from './verify.js';

const entry = (tool: string) => ({ principal: 'p', tool, args: {}, outcome: 'ok' as const, duration_ms: 1 });

describe('createAuditFiles', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one writer per file across reconfigurations, so the chain stays whole', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-audit-files-'));
    const path = join(dir, 'audit.jsonl');
    const files = createAuditFiles({});
    const first = files.sink({ path, maxBytes: 1_000_000, keep: 2 });
    // A reload with other rotation settings, records from before and after it in flight at once.
    const pending = [first.record(entry('a')), first.record(entry('b'))];
    const second = files.sink({ path, maxBytes: 2_000_000, keep: 3 });
    expect(second).toBe(first);
    pending.push(second.record(entry('c')), first.record(entry('d')));
    await Promise.all(pending);

    const data = readFileSync(path);
    const lines = data.toString().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).tool)).toEqual(['a', 'b', 'c', 'd']);
    expect(verifyAuditFiles([{ file: path, data }])).toMatchObject({ ok: true, lines: 4 });
  });

  it('applies new rotation settings to the kept writer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-audit-files-'));
    const path = join(dir, 'audit.jsonl');
    const files = createAuditFiles({});
    const log = files.sink({ path, maxBytes: 10_000_000 });
    await log.record(entry('before'));
    files.sink({ path, maxBytes: 1 });
    await log.record(entry('after'));
    // maxBytes 1: the second line rotated the first file away.
    expect(readFileSync(`${path}.1`, 'utf8')).toContain('"before"');
    expect(readFileSync(path, 'utf8')).toContain('"after"');
    const all = [`${path}.1`, path].map((file) => ({ file, data: readFileSync(file) }));
    expect(verifyAuditFiles(all)).toMatchObject({ ok: true, lines: 2 });
  });

  it('gives another file its own writer', () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpf-audit-files-'));
    const files = createAuditFiles({});
    expect(files.sink({ path: join(dir, 'a.jsonl') })).not.toBe(files.sink({ path: join(dir, 'b.jsonl') }));
  });
});

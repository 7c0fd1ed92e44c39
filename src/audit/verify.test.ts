import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainLine, GENESIS, sha256Hex } from './auditChain.js';
import { verifyAuditChain, verifyAuditFiles, withRotated } from './verify.js';

/** A valid chain of `n` distinct records after `prev`, as lines without newlines. */
function chain(n: number, prev = GENESIS, label = 'x'): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const json = JSON.stringify({ time: `t${i}`, principal: 'p', tool: 'exec', args: { argv: [label, i] } });
    const line = chainLine(json, lines.length ? sha256Hex(lines[lines.length - 1] ?? '') : prev);
    lines.push(line);
  }
  return lines;
}

const text = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

describe('verifyAuditChain', () => {
  it('accepts a chain from genesis and says where it starts and ends', () => {
    const lines = chain(5);
    const r = verifyAuditChain(text(lines));
    expect(r).toMatchObject({
      ok: true,
      lines: 5,
      start: GENESIS,
      last: sha256Hex(lines[4] ?? ''),
      problemCount: 0,
    });
    expect(r.firstBroken).toBeUndefined();
    expect(verifyAuditChain('')).toMatchObject({ ok: true, lines: 0, start: null, last: null });
  });

  it('takes a first line that continues an earlier file as its anchor, unless a start is required', () => {
    const anchor = sha256Hex('an earlier line');
    const lines = chain(3, anchor);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: true, start: anchor });
    const strict = verifyAuditChain(text(lines), { prev: GENESIS });
    expect(strict.firstBroken).toEqual({ line: 1, reason: 'prev does not match the genesis hash' });
  });

  it('names an altered line, and the line after a removed one', () => {
    const lines = chain(6);
    const altered = [...lines];
    altered[2] = (altered[2] ?? '').replace('"exec"', '"read"');
    const a = verifyAuditChain(text(altered));
    expect(a.firstBroken).toEqual({
      line: 3,
      reason: 'the seal does not match the line: the line was altered',
    });
    const removed = lines.filter((_, i) => i !== 3);
    const r = verifyAuditChain(text(removed));
    expect(r.firstBroken?.line).toBe(4);
    expect(r.firstBroken?.reason).toContain(
      'prev does not match line 3: a line was removed, inserted or reordered',
    );
    expect(r.problemCount).toBe(1);
  });

  it('reports lines that are not records: torn, empty, unsealed, and a missing final newline', () => {
    const lines = chain(3);
    const foreign = verifyAuditChain(`${lines[0]}\n{"time":"t","prev":"${GENESIS}"}\n`);
    expect(foreign.firstBroken).toEqual({
      line: 2,
      reason: 'no seal at the end of the line: not written by the audit log',
    });
    expect(verifyAuditChain(`${lines[0]}\n\n${lines[1]}\n`).firstBroken).toEqual({
      line: 2,
      reason: 'empty line',
    });
    const cut = verifyAuditChain(text(lines).slice(0, -1));
    expect(cut.firstBroken).toEqual({
      line: 3,
      reason: 'no newline at the end of the file: the last write was cut short',
    });
    const torn = verifyAuditChain(`${lines[0]}\n${(lines[1] ?? '').slice(0, 40)}`);
    expect(torn.firstBroken?.line).toBe(2);
    expect(torn.firstBroken?.reason).toMatch(/^not a whole JSON record; no newline at the end of the file/);
  });

  it('says a torn line was left by the writer when the next line chains past it', () => {
    const [first, second] = chain(2);
    const fragment = (second ?? '').slice(0, 50);
    const after = chainLine('{"time":"t9","tool":"exec"}', sha256Hex(fragment));
    const r = verifyAuditChain(`${first}\n${fragment}\n${after}\n`);
    expect(r.problems).toEqual([
      {
        line: 2,
        reason:
          'not a whole JSON record; the next line chains to it, so the writer itself left it torn (a crash or a full disk mid-write)',
      },
    ]);
  });

  it('finds a checkpoint line by its hash', () => {
    const lines = chain(4);
    expect(verifyAuditChain(text(lines), { checkpoint: sha256Hex(lines[2] ?? '') }).checkpointLine).toBe(3);
    expect(verifyAuditChain(text(lines), { checkpoint: sha256Hex('x') }).checkpointLine).toBeUndefined();
  });
});

describe('verifyAuditFiles', () => {
  const older = chain(3, GENESIS, 'old');
  const newer = chain(2, sha256Hex(older[2] ?? ''), 'new');

  it('checks rotated files as one chain, oldest first', () => {
    const files = [
      { file: 'a.1', data: text(older) },
      { file: 'a', data: text(newer) },
    ];
    const v = verifyAuditFiles(files);
    expect(v).toMatchObject({ ok: true, lines: 5, start: GENESIS, last: sha256Hex(newer[1] ?? '') });
    const swapped = verifyAuditFiles([...files].reverse());
    expect(swapped.ok).toBe(false);
    expect(swapped.firstBroken).toMatchObject({ file: 'a.1', line: 1 });
    expect(swapped.firstBroken?.reason).toContain(
      'prev does not match the last line of a (rotated files go oldest first',
    );
    // Alone, the newer file is anchored to the older one's last line.
    expect(verifyAuditFiles([{ file: 'a', data: text(newer) }]).start).toBe(sha256Hex(older[2] ?? ''));
  });

  it('is broken when a checkpoint line is gone (a removed tail), intact when it is there', () => {
    const all = [...older, ...chain(1, sha256Hex(older[2] ?? ''))];
    const checkpoint = sha256Hex(all[3] ?? '');
    const full = verifyAuditFiles([{ file: 'a', data: text(all) }], { checkpoint });
    expect(full).toMatchObject({
      ok: true,
      checkpoint: { sha256: checkpoint, found: { file: 'a', line: 4 } },
    });
    const cut = verifyAuditFiles([{ file: 'a', data: text(all.slice(0, 3)) }], { checkpoint });
    expect(cut).toMatchObject({ ok: false, checkpoint: { sha256: checkpoint, found: null } });
    expect(cut.firstBroken).toBeUndefined();
  });
});

describe('withRotated', () => {
  it('lists path.N … path.1 then path, and names every number missing below the highest', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-rotated-')), 'audit.jsonl');
    writeFileSync(path, '');
    expect(await withRotated(path)).toEqual({ files: [path], missing: [] });
    for (const n of [2, 3, 5]) writeFileSync(`${path}.${n}`, '');
    expect(await withRotated(path)).toEqual({
      files: [`${path}.5`, `${path}.3`, `${path}.2`, path],
      missing: [
        { file: `${path}.4`, older: `${path}.5`, newer: `${path}.3` },
        { file: `${path}.1`, older: `${path}.2`, newer: path },
      ],
    });
    // Not stopping at a gap: the 100th is still found.
    writeFileSync(`${path}.100`, '');
    expect((await withRotated(path)).files[0]).toBe(`${path}.100`);
  });
});

describe('verifyAuditFiles with a missing file', () => {
  it('is broken, and takes the file after the hole as anchored instead of naming its first line', () => {
    const oldest = chain(2, GENESIS, 'oldest');
    const gone = chain(2, sha256Hex(oldest[1] ?? ''), 'gone');
    const newest = chain(2, sha256Hex(gone[1] ?? ''), 'newest');
    const missing = [{ file: 'a.1', older: 'a.2', newer: 'a' }];
    const v = verifyAuditFiles(
      [
        { file: 'a.2', data: text(oldest) },
        { file: 'a', data: text(newest) },
      ],
      { missing },
    );
    expect(v).toMatchObject({ ok: false, lines: 4, missing });
    expect(v.firstBroken).toBeUndefined();
    expect(v.files.map((f) => f.problemCount)).toEqual([0, 0]);
  });
});

type Mutation =
  | { kind: 'byte'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'junk'; at: number; junk: string }
  | { kind: 'duplicate'; at: number; of: number }
  | { kind: 'swap'; at: number; with: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('junk' as const),
    at: fc.nat(),
    junk: fc.string({ unit: 'binary' }).filter((s) => !s.includes('\n')),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), of: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
);

/** The mutated log, and the first line at which it stops being a valid chain. */
function mutate(lines: string[], m: Mutation): { data: Buffer; expected: number } | undefined {
  const n = lines.length;
  if (m.kind === 'byte') {
    const original = Buffer.from(text(lines));
    const at = m.at % original.length;
    if (original[at] === m.byte) return undefined;
    const data = Buffer.from(original);
    data[at] = m.byte;
    // The line holding the byte (its newline included) is the one that breaks.
    const expected = original.subarray(0, at).filter((b) => b === 0x0a).length + 1;
    return { data, expected };
  }
  if (m.kind === 'delete') {
    const at = m.at % n;
    return { data: Buffer.from(text(lines.filter((_, i) => i !== at))), expected: at + 1 };
  }
  if (m.kind === 'junk' || m.kind === 'duplicate') {
    const at = m.at % (n + 1);
    const of = m.kind === 'duplicate' ? m.of % n : -1;
    const inserted = m.kind === 'junk' ? m.junk : (lines[of] ?? '');
    const data = Buffer.from(text([...lines.slice(0, at), inserted, ...lines.slice(at)]));
    // A copy of line k put just before line k fits there; the original after it does not.
    return { data, expected: of === at ? at + 2 : at + 1 };
  }
  const a = m.at % n;
  const b = m.with % n;
  if (a === b) return undefined;
  const swapped = [...lines];
  [swapped[a], swapped[b]] = [lines[b] ?? '', lines[a] ?? ''];
  return { data: Buffer.from(text(swapped)), expected: Math.min(a, b) + 1 };
}

describe('the chain against tampering (property)', () => {
  it('any single-byte change, deletion, insertion or reorder is found at the right line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), mutation, (n, m) => {
        const lines = chain(n);
        const last = sha256Hex(lines[n - 1] ?? '');
        const mutated = mutate(lines, m);
        if (mutated === undefined) return;
        const r = verifyAuditChain(mutated.data, { prev: GENESIS, checkpoint: last });
        if (m.kind === 'delete' && m.at % n === n - 1) {
          // A removed last line leaves a valid chain: only a checkpoint kept elsewhere shows it.
          expect(r.ok).toBe(true);
          expect(r.checkpointLine).toBeUndefined();
          return;
        }
        expect(r.ok).toBe(false);
        expect(r.firstBroken?.line).toBe(mutated.expected);
      }),
      { numRuns: 2000 },
    );
  });
});

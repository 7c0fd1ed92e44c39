import { mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLog, GENESIS, sha256Hex } from '../audit/index.js';
import { isOperatorError } from '../errors/index.js';
import { AUDIT_EXIT, auditVerify } from './auditCommand.js';
import { buildProgram, reportError } from './main.js';

const entry = (i: number) => ({
  principal: 'ci',
  tool: 'exec',
  args: { argv: ['echo', String(i)] },
  outcome: 'ok' as const,
  duration_ms: i,
});

/** An audit log of `n` records written by the real writer, rotated every `maxBytes`. */
async function makeLog(n: number, maxBytes = 10_000): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-cli-')), 'audit.jsonl');
  const audit = createAuditLog({ path, maxBytes, keep: 10 });
  for (let i = 0; i < n; i++) await audit.record(entry(i));
  return path;
}

async function run(paths: string[], opts: Parameters<typeof auditVerify>[1] = {}) {
  let out = '';
  const code = await auditVerify(paths, opts, { write: (t: string) => (out += t) });
  return { code, out };
}

describe('audit verify', () => {
  it('prints one line for an intact chain, with the hash to keep as a checkpoint', async () => {
    const path = await makeLog(4);
    const last = sha256Hex(readFileSync(path, 'utf8').trimEnd().split('\n').at(-1) ?? '');
    expect(await run([path])).toEqual({
      code: AUDIT_EXIT.intact,
      out: `ok: 4 lines, chain intact from genesis; last line sha256 ${last}\n`,
    });
    const one = await makeLog(1);
    expect((await run([one])).out).toMatch(/^ok: 1 line, chain intact from genesis;/);
    const again = await run([path], { checkpoint: last.toUpperCase() });
    expect(again.code).toBe(0);
    expect(again.out).toContain(`checkpoint found at ${path}:4`);
  });

  it('names the broken line as file:line and exits 1', async () => {
    const path = await makeLog(5);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = (lines[2] ?? '').replace('"echo"', '"rm"');
    writeFileSync(path, lines.join('\n'));
    const r = await run([path]);
    expect(r.code).toBe(AUDIT_EXIT.broken);
    expect(r.out).toBe(
      `${path}:3: the seal does not match the line: the line was altered\nbroken: 5 lines checked, first at ${path}:3\n`,
    );
  });

  it('with --rotated checks the rotated files oldest first; alone the newest is anchored', async () => {
    const path = await makeLog(6, 700);
    const all = await run([path], { rotated: true });
    expect(all.code).toBe(0);
    expect(all.out).toMatch(
      /^ok: 6 lines in \d files, chain intact from genesis; last line sha256 [0-9a-f]{64}\n$/,
    );
    const alone = await run([path]);
    expect(alone.code).toBe(0);
    expect(alone.out).toMatch(
      /^ok: \d lines, chain intact, anchored to [0-9a-f]{64} \(continues an earlier file\);/,
    );
    const wrongOrder = await run([path, `${path}.1`]);
    expect(wrongOrder.code).toBe(1);
    expect(wrongOrder.out).toContain(`${path}.1:1: prev does not match the last line of ${path}`);
  });

  it('with --rotated reports a rotated file removed from the middle as missing, exit 1', async () => {
    const path = await makeLog(6, 700);
    const before = await run([path], { rotated: true, json: true });
    expect(JSON.parse(before.out).files.map((f: { file: string }) => f.file)).toEqual([
      `${path}.2`,
      `${path}.1`,
      path,
    ]);
    unlinkSync(`${path}.1`);
    const r = await run([path], { rotated: true });
    expect(r.code).toBe(AUDIT_EXIT.broken);
    const lines =
      readFileSync(`${path}.2`, 'utf8').split('\n').length +
      readFileSync(path, 'utf8').split('\n').length -
      2;
    expect(r.out).toBe(
      `${path}.1 is missing between ${path}.2 and ${path}\nbroken: ${lines} lines in 2 files checked, 1 rotated file missing\n`,
    );
    const json = JSON.parse((await run([path], { rotated: true, json: true })).out);
    expect(json).toMatchObject({
      ok: false,
      first_broken: null,
      missing: [{ file: `${path}.1`, older: `${path}.2`, newer: path }],
    });
  });

  it('reports a checkpoint that is gone (a cut tail) as broken', async () => {
    const path = await makeLog(3);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const checkpoint = sha256Hex(lines[2] ?? '');
    writeFileSync(path, `${lines.slice(0, 2).join('\n')}\n`);
    const r = await run([path], { checkpoint, json: true });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      ok: false,
      lines: 2,
      start: GENESIS,
      last: sha256Hex(lines[1] ?? ''),
      first_broken: null,
      checkpoint: { sha256: checkpoint, found: null },
      files: [{ file: path, ok: true, lines: 2, start: GENESIS, last: sha256Hex(lines[1] ?? '') }],
      missing: [],
      problems: [],
    });
    const text = await run([path], { checkpoint });
    expect(text.out).toContain(`checkpoint ${checkpoint} is not in the chain`);
  });

  it('a missing file or a malformed checkpoint is an operator error: one line, exit 2', async () => {
    const missing = join(tmpdir(), 'no-such-dir-mcpf', 'audit.jsonl');
    const error = await auditVerify([missing], {}, { write: () => {} }).catch((e: unknown) => e);
    expect(isOperatorError(error)).toBe(true);
    let out = '';
    expect(reportError(error, (t) => (out += t))).toBe(AUDIT_EXIT.usage);
    expect(out).toBe(`mcp-fleet: no such file or directory: ${missing}\n`);
    const bad = await auditVerify([missing], { checkpoint: 'abc' }, { write: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(reportError(bad, () => {})).toBe(2);
  });

  it('has help with examples and the exit codes', async () => {
    const program = await buildProgram('audit');
    expect(program.commands.map((c) => c.name())).toEqual(['audit']);
    const verify = program.commands[0]?.commands.find((c) => c.name() === 'verify');
    let help = '';
    verify?.configureOutput({ writeOut: (t) => (help += t) });
    verify?.outputHelp();
    expect(help).toContain('Examples:');
    expect(help).toContain('Exit codes: 0 the chain is intact, 1 it is broken');
  });
});

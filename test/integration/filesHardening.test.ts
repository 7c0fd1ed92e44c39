import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Era, eraClients, startAgent } from '../helpers/agentProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  realTempDir,
  removeDir,
  sleep,
  structuredOf,
  textOf,
} from '../helpers/toolAssertions.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const modeOf = (path: string) => statSync(path).mode & 0o7777;
const isRoot = process.getuid?.() === 0;
/** Small enough that appends and reads hit it; the content itself stays under it. */
const MAX_FILE_BYTES = 4096;

let root: string;
let agent: AgentHandle;

beforeAll(async () => {
  root = realTempDir('mcpf-harden-');
  agent = await startAgent({
    config: `policy:\n  roots: ["${root}"]\n  limits:\n    max_file_bytes: ${MAX_FILE_BYTES}\n`,
  });
});
afterAll(async () => {
  await disposeAgent(agent);
  removeDir(root);
});

/** The call's result, or a failure when it has not answered within `ms` (a blocked agent). */
async function answered(call: Promise<unknown>, ms = 5000): Promise<CallToolResult> {
  const outcome = await Promise.race([call, sleep(ms).then(() => 'pending' as const)]);
  if (outcome === 'pending') throw new Error(`the call did not answer within ${ms} ms`);
  return outcome as CallToolResult;
}

describe.each<Era>(['legacy', 'modern'])('file tool hardening (%s era)', (era) => {
  const { connect } = eraClients(() => agent, era);
  let dir: string;

  beforeAll(() => {
    dir = join(root, era);
    mkdirSync(dir);
  });

  it('read_file of a FIFO is NOT_A_FILE at once, however often, and the agent keeps answering', async () => {
    const c = await connect();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // More than libuv's four workers: a blocking open would have frozen every file operation.
    for (let i = 0; i < 6; i++) {
      const r = await answered(c.callTool({ name: 'read_file', arguments: { path: fifo } }));
      expect(r.isError).toBe(true);
      expect(errorCodeOf(r), textOf(r)).toBe('NOT_A_FILE');
    }
    const tail = await answered(c.callTool({ name: 'read_file', arguments: { path: fifo, tail_lines: 1 } }));
    expect(errorCodeOf(tail)).toBe('NOT_A_FILE');

    const file = join(dir, 'after-fifo.txt');
    writeFileSync(file, 'still here\n');
    const ok = await answered(c.callTool({ name: 'read_file', arguments: { path: file } }));
    expect(structuredOf(ok).content).toBe('still here\n');
    const listed = await answered(c.callTool({ name: 'list_dir', arguments: { path: dir } }));
    expect(structuredOf(listed).entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'pipe', type: 'other' })]),
    );
  });

  it('write_file onto a FIFO is NOT_A_FILE at once and leaves the FIFO', async () => {
    const c = await connect();
    const fifo = join(dir, 'wpipe');
    execFileSync('mkfifo', [fifo]);
    for (const extra of [{}, { append: true }, { backup: true }, { if_sha256: sha256('') }]) {
      const r = await answered(
        c.callTool({ name: 'write_file', arguments: { path: fifo, content: 'x', ...extra } }),
      );
      expect(errorCodeOf(r), textOf(r)).toBe('NOT_A_FILE');
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('read_file hashes the whole file even when only max_file_bytes of it are returned', async () => {
    const c = await connect();
    const path = join(dir, 'big.bin');
    const bytes = randomBytes(1024 * 1024 + 5);
    writeFileSync(path, bytes);
    const r = structuredOf(await c.callTool({ name: 'read_file', arguments: { path, encoding: 'base64' } }));
    expect(r).toMatchObject({ size: bytes.length, sha256: sha256(bytes), truncated: true });
    expect(Buffer.from(String(r.content), 'base64').equals(bytes.subarray(0, MAX_FILE_BYTES))).toBe(true);
  });

  it('mode accepts permission bits only: setuid, setgid and sticky bits are INVALID_ARGUMENT', async () => {
    const c = await connect();
    const path = join(dir, 'modes.sh');
    writeFileSync(path, 'old\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    for (const mode of ['4755', '04755', '2755', '02755', '1777', '6755', '7777']) {
      const r = await c.callTool({ name: 'write_file', arguments: { path, content: 'x', mode } });
      expect(errorCodeOf(r), `mode ${mode}`).toBe('INVALID_ARGUMENT');
      expect(textOf(r)).toContain('no setuid/setgid/sticky bits');
    }
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(modeOf(path)).toBe(0o644);
    for (const [mode, bits] of [
      ['0750', 0o750],
      ['700', 0o700],
    ] as const) {
      structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: 'y', mode } }));
      expect(modeOf(path)).toBe(bits);
    }
  });

  it.runIf(isRoot)('rewriting a setuid file keeps 04755 and its owner; append and backup too', async () => {
    const c = await connect();
    const path = join(dir, 'suid-tool');
    writeFileSync(path, '#!/bin/sh\n');
    chownSync(path, 65534, 65534);
    chmodSync(path, 0o4755);
    structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: '#!/bin/sh\nid\n' } }));
    expect(modeOf(path)).toBe(0o4755);
    expect(statSync(path).uid).toBe(65534);
    const a = structuredOf(
      await c.callTool({
        name: 'write_file',
        arguments: { path, content: 'date\n', append: true, backup: true },
      }),
    );
    expect(a).toMatchObject({ size: 18, created: false, backup_path: `${path}.bak` });
    expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\nid\ndate\n');
    expect(modeOf(path)).toBe(0o4755);
    expect(modeOf(`${path}.bak`)).toBe(0o4755);
    // An explicit mode replaces the special bits (the caller asked for exactly these).
    structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: 'x\n', mode: '0755' } }));
    expect(modeOf(path)).toBe(0o755);
  });

  it('an append that would pass max_file_bytes is FILE_TOO_LARGE and writes nothing', async () => {
    const c = await connect();
    const path = join(dir, 'grow.log');
    const old = 'a'.repeat(MAX_FILE_BYTES - 10);
    writeFileSync(path, old);
    const over = await c.callTool({
      name: 'write_file',
      arguments: { path, content: 'b'.repeat(11), append: true },
    });
    expect(errorCodeOf(over), textOf(over)).toBe('FILE_TOO_LARGE');
    expect(readFileSync(path, 'utf8')).toBe(old);

    const fits = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'b'.repeat(10), append: true } }),
    );
    expect(fits).toMatchObject({ bytes_written: 10, size: MAX_FILE_BYTES, created: false });
    expect(fits.sha256).toBe(sha256(`${old}${'b'.repeat(10)}`));

    // A file already over the limit cannot be appended to, but can still be replaced.
    const huge = join(dir, 'huge.log');
    writeFileSync(huge, Buffer.alloc(MAX_FILE_BYTES * 4, 0x61));
    const appendHuge = await c.callTool({
      name: 'write_file',
      arguments: { path: huge, content: 'x', append: true },
    });
    expect(errorCodeOf(appendHuge)).toBe('FILE_TOO_LARGE');
    expect(statSync(huge).size).toBe(MAX_FILE_BYTES * 4);
    structuredOf(await c.callTool({ name: 'write_file', arguments: { path: huge, content: 'x' } }));
    expect(readFileSync(huge, 'utf8')).toBe('x');
  });

  it('backup copies a file larger than max_file_bytes exactly', async () => {
    const c = await connect();
    const path = join(dir, 'large.dat');
    const old = randomBytes(2 * 1024 * 1024 + 7);
    writeFileSync(path, old);
    const w = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'small\n', backup: true } }),
    );
    expect(w).toMatchObject({ backup_path: `${path}.bak`, size: 6, created: false });
    expect(readFileSync(`${path}.bak`).equals(old)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('small\n');
  });

  it('if_sha256 on a large file compares the hash of the file itself', async () => {
    const c = await connect();
    const path = join(dir, 'guarded.dat');
    const old = randomBytes(1024 * 1024 + 1);
    writeFileSync(path, old);
    const wrong = await c.callTool({
      name: 'write_file',
      arguments: { path, content: 'x', if_sha256: sha256(old.subarray(1)) },
    });
    expect(errorCodeOf(wrong)).toBe('HASH_MISMATCH');
    expect(textOf(wrong)).toContain(sha256(old));
    const right = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'x', if_sha256: sha256(old) } }),
    );
    expect(right).toMatchObject({ size: 1, created: false });
  });

  it('a dangling symlink inside the root is replaced as a new file, its target never created', async () => {
    const c = await connect();
    const link = join(dir, 'dangling-inside');
    const target = join(dir, 'dangling-target');
    symlinkSync(target, link);
    const w = structuredOf(
      await c.callTool({
        name: 'write_file',
        arguments: { path: link, content: 'z\n', append: true, backup: true },
      }),
    );
    expect(w).toMatchObject({ created: true, size: 2, backup_path: null });
    expect(lstatSync(link).isFile()).toBe(true);
    expect(() => lstatSync(target)).toThrow();
  });
});

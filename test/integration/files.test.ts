import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  connectClient,
  type Era,
  eraClients,
  startAgent,
} from '../helpers/agentProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  realTempDir,
  removeDir,
  ruleOf,
  sleep,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const modeOf = (path: string) => statSync(path).mode & 0o7777;

let root: string;
let agent: AgentHandle;

beforeAll(async () => {
  root = realTempDir('mcpf-files-');
  agent = await startAgent({ config: `policy:\n  roots: ["${root}"]\n` });
});
afterAll(async () => {
  await disposeAgent(agent);
  removeDir(root);
});

describe.each<Era>(['legacy', 'modern'])('file tools inside the roots (%s era)', (era) => {
  const { connect } = eraClients(() => agent, era);
  let dir: string;

  beforeAll(() => {
    dir = join(root, era);
    mkdirSync(dir);
  });

  it('read_file returns the whole file with its size, mtime and sha256', async () => {
    const c = await connect();
    const path = join(dir, 'whole.txt');
    writeFileSync(path, 'hello\nwörld\n');
    const r = structuredOf(await c.callTool({ name: 'read_file', arguments: { path } }));
    expect(r).toMatchObject({
      path,
      content: 'hello\nwörld\n',
      encoding: 'utf8',
      size: Buffer.byteLength('hello\nwörld\n'),
      sha256: sha256('hello\nwörld\n'),
      truncated: false,
    });
    expect(r.mtime).toBe(statSync(path).mtime.toISOString());
  });

  it('read_file reads a byte range and the last lines, hashing the whole file', async () => {
    const c = await connect();
    const path = join(dir, 'range.txt');
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`);
    const text = `${lines.join('\n')}\n`;
    writeFileSync(path, text);
    const range = structuredOf(
      await c.callTool({ name: 'read_file', arguments: { path, offset: 7, length: 6 } }),
    );
    expect(range).toMatchObject({ content: text.slice(7, 13), size: text.length, sha256: sha256(text) });
    expect(range.content).toBe('line 2');
    expect(range.truncated).toBe(false);

    const tail = structuredOf(await c.callTool({ name: 'read_file', arguments: { path, tail_lines: 3 } }));
    expect(tail).toMatchObject({ content: 'line 98\nline 99\nline 100\n', sha256: sha256(text) });

    const conflicting = await c.callTool({
      name: 'read_file',
      arguments: { path, tail_lines: 3, offset: 1 },
    });
    expect(errorCodeOf(conflicting)).toBe('INVALID_ARGUMENT');
  });

  it('read_file returns binary bytes as base64', async () => {
    const c = await connect();
    const path = join(dir, 'bytes.bin');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    writeFileSync(path, bytes);
    const r = structuredOf(await c.callTool({ name: 'read_file', arguments: { path, encoding: 'base64' } }));
    expect(r).toMatchObject({ encoding: 'base64', size: 256, sha256: sha256(bytes) });
    expect(Buffer.from(String(r.content), 'base64').equals(bytes)).toBe(true);
  });

  it('write_file creates a file that reads back, with a default mode of 0644', async () => {
    const c = await connect();
    const path = join(dir, 'new.txt');
    const w = structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: 'fresh\n' } }));
    expect(w).toEqual({
      path,
      bytes_written: 6,
      size: 6,
      sha256: sha256('fresh\n'),
      created: true,
      backup_path: null,
    });
    expect(readFileSync(path, 'utf8')).toBe('fresh\n');
    expect(modeOf(path)).toBe(0o644);
    const r = structuredOf(await c.callTool({ name: 'read_file', arguments: { path } }));
    expect(r).toMatchObject({ content: 'fresh\n', sha256: w.sha256 });

    const bin = join(dir, 'new.bin');
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const wb = structuredOf(
      await c.callTool({
        name: 'write_file',
        arguments: { path: bin, content: bytes.toString('base64'), encoding: 'base64' },
      }),
    );
    expect(wb).toMatchObject({ size: 5, sha256: sha256(bytes) });
    expect(readFileSync(bin).equals(bytes)).toBe(true);
  });

  it('if_sha256 refuses a stale write and leaves the file untouched; the right hash writes', async () => {
    const c = await connect();
    const path = join(dir, 'guarded.txt');
    writeFileSync(path, 'version 1\n');
    const wrong = await c.callTool({
      name: 'write_file',
      arguments: { path, content: 'version 2\n', if_sha256: sha256('something else') },
    });
    expect(wrong.isError).toBe(true);
    expect(errorCodeOf(wrong)).toBe('HASH_MISMATCH');
    expect(textOf(wrong)).toContain(sha256('version 1\n'));
    expect(readFileSync(path, 'utf8')).toBe('version 1\n');

    const right = await c.callTool({
      name: 'write_file',
      arguments: { path, content: 'version 2\n', if_sha256: sha256('version 1\n').toUpperCase() },
    });
    expect(structuredOf(right)).toMatchObject({ created: false, sha256: sha256('version 2\n') });
    expect(readFileSync(path, 'utf8')).toBe('version 2\n');

    const missing = await c.callTool({
      name: 'write_file',
      arguments: { path: join(dir, 'guarded-missing.txt'), content: 'x', if_sha256: sha256('') },
    });
    expect(errorCodeOf(missing)).toBe('HASH_MISMATCH');
    expect(existsSync(join(dir, 'guarded-missing.txt'))).toBe(false);
  });

  it('backup keeps the previous content in <path>.bak', async () => {
    const c = await connect();
    const path = join(dir, 'config.ini');
    writeFileSync(path, 'old=1\n', { mode: 0o640 });
    const w = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'new=2\n', backup: true } }),
    );
    expect(w.backup_path).toBe(`${path}.bak`);
    expect(readFileSync(`${path}.bak`, 'utf8')).toBe('old=1\n');
    expect(modeOf(`${path}.bak`)).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('new=2\n');
  });

  it('applies an explicit mode, and keeps the mode (and content, when appending) otherwise', async () => {
    const c = await connect();
    const path = join(dir, 'secret.txt');
    structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 's1\n', mode: '0600' } }),
    );
    expect(modeOf(path)).toBe(0o600);

    structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: 's2\n' } }));
    expect(modeOf(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('s2\n');

    const a = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 's3\n', append: true } }),
    );
    expect(a).toMatchObject({ bytes_written: 3, size: 6, sha256: sha256('s2\ns3\n'), created: false });
    expect(readFileSync(path, 'utf8')).toBe('s2\ns3\n');
    expect(modeOf(path)).toBe(0o600);

    structuredOf(await c.callTool({ name: 'write_file', arguments: { path, content: 's4\n', mode: '755' } }));
    expect(modeOf(path)).toBe(0o755);

    const bad = await c.callTool({ name: 'write_file', arguments: { path, content: 'x', mode: 'rwx' } });
    expect(errorCodeOf(bad)).toBe('INVALID_ARGUMENT');
    expect(readFileSync(path, 'utf8')).toBe('s4\n');
  });

  it('append to a file that does not exist creates it', async () => {
    const c = await connect();
    const path = join(dir, 'appended.log');
    const first = structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'one\n', append: true } }),
    );
    expect(first).toMatchObject({ created: true, size: 4 });
    structuredOf(
      await c.callTool({ name: 'write_file', arguments: { path, content: 'two\n', append: true } }),
    );
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n');
  });

  it('list_dir lists entries with their types and filters hidden ones unless asked', async () => {
    const c = await connect();
    const listed = join(dir, 'listing');
    mkdirSync(join(listed, 'sub'), { recursive: true });
    writeFileSync(join(listed, 'b.txt'), '12345');
    writeFileSync(join(listed, '.hidden'), 'h');
    symlinkSync('b.txt', join(listed, 'a-link'));
    const plain = structuredOf(await c.callTool({ name: 'list_dir', arguments: { path: listed } }));
    const entries = plain.entries as Array<{ name: string; type: string; size: number; mode: string }>;
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a-link', 'symlink'],
      ['b.txt', 'file'],
      ['sub', 'directory'],
    ]);
    expect(entries.find((e) => e.name === 'b.txt')).toMatchObject({ size: 5, mode: '0644' });
    expect(plain.truncated).toBe(false);

    const all = structuredOf(
      await c.callTool({ name: 'list_dir', arguments: { path: listed, hidden: true } }),
    );
    expect((all.entries as Array<{ name: string }>).map((e) => e.name)).toEqual([
      '.hidden',
      'a-link',
      'b.txt',
      'sub',
    ]);

    const notDir = await c.callTool({ name: 'list_dir', arguments: { path: join(listed, 'b.txt') } });
    expect(errorCodeOf(notDir)).toBe('NOT_A_DIRECTORY');
  });
});

describe.each<Era>(['legacy', 'modern'])('file tools refuse to leave the roots (%s era)', (era) => {
  let client: Client | undefined;
  let dir: string;

  beforeAll(() => {
    dir = join(root, `escape-${era}`);
    mkdirSync(dir);
    symlinkSync('/etc', join(dir, 'link'));
    symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
    writeFileSync(join(dir, 'inside.txt'), 'inside\n');
  });
  afterEach(async () => {
    await client?.close().catch(() => {});
    client = undefined;
  });

  /** The path that climbs from the root to `/` with `..` components and then goes to /etc/passwd. */
  const climbToPasswd = () => `${root}${'/..'.repeat(root.split('/').length - 1)}/etc/passwd`;

  const cases: ReadonlyArray<readonly [string, () => string]> = [
    ['<root>/../etc/passwd (a missing path next to the root)', () => `${root}/../etc/passwd`],
    ['<root>/../../…/etc/passwd (climbing to the real /etc/passwd)', climbToPasswd],
    ['the absolute /etc/passwd', () => '/etc/passwd'],
    ['a symlinked directory inside the root pointing at /etc', () => join(dir, 'link', 'passwd')],
    ['a symlinked file inside the root pointing at /etc/passwd', () => join(dir, 'passwd-link')],
    ['/proc/self/root/etc/passwd', () => '/proc/self/root/etc/passwd'],
    ['a missing path through a symlinked directory', () => join(dir, 'link', 'no-such-file-xyz')],
    ['a missing path under a missing directory outside', () => '/no-such-dir-xyz/sub/file'],
    ['a path below a file outside (ENOTDIR)', () => '/etc/passwd/x'],
  ];

  it.each(cases)('read_file of %s is POLICY_DENIED by the roots rule', async (_name, path) => {
    client = await connectClient(agent.url, agent.token, era);
    const r = await client.callTool({ name: 'read_file', arguments: { path: path() } });
    expect(r.isError).toBe(true);
    expect(errorCodeOf(r), textOf(r)).toBe('POLICY_DENIED');
    expect(ruleOf(r)).toBe('roots');
    expect(textOf(r)).not.toContain('root:x:0:0');
  });

  it('write_file through a symlinked directory pointing outside is refused and writes nothing', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const name = `mcpf-escape-${era}-${process.pid}`;
    const r = await client.callTool({
      name: 'write_file',
      arguments: { path: join(dir, 'link', name), content: 'pwned\n' },
    });
    expect(errorCodeOf(r)).toBe('POLICY_DENIED');
    expect(ruleOf(r)).toBe('roots');
    expect(existsSync(join('/etc', name))).toBe(false);
  });

  it('write_file over a symlink to a file outside is refused and the target is untouched', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const before = readFileSync('/etc/passwd');
    const r = await client.callTool({
      name: 'write_file',
      arguments: { path: join(dir, 'passwd-link'), content: 'pwned\n' },
    });
    expect(errorCodeOf(r)).toBe('POLICY_DENIED');
    expect(ruleOf(r)).toBe('roots');
    expect(readFileSync('/etc/passwd').equals(before)).toBe(true);
  });

  it('write_file over a dangling symlink pointing outside replaces the link, never its target', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const outside = join(root, '..', `mcpf-dangling-target-${era}-${process.pid}`);
    const link = join(dir, 'dangling');
    symlinkSync(outside, link);
    const r = await client.callTool({ name: 'write_file', arguments: { path: link, content: 'data\n' } });
    expect(structuredOf(r)).toMatchObject({ path: link, created: true });
    expect(existsSync(outside)).toBe(false);
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toBe('data\n');
  });

  it('list_dir of a symlinked directory outside is refused; a path inside still works', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const r = await client.callTool({ name: 'list_dir', arguments: { path: join(dir, 'link') } });
    expect(errorCodeOf(r)).toBe('POLICY_DENIED');
    expect(ruleOf(r)).toBe('roots');
    const ok = await client.callTool({ name: 'read_file', arguments: { path: `${dir}/./inside.txt` } });
    expect(structuredOf(ok).content).toBe('inside\n');
  });

  it('a path that fails to resolve inside the root reports that failure, as the kernel would', async () => {
    client = await connectClient(agent.url, agent.token, era);
    // A missing directory cannot be walked through (ENOENT), whatever follows it: nothing is read,
    // and since the walk failed inside the root, saying so reveals nothing outside it.
    for (const path of [`${dir}/sub-missing/../inside.txt`, `${dir}/missing/../../../etc/passwd`]) {
      const r = await client.callTool({ name: 'read_file', arguments: { path } });
      expect(errorCodeOf(r), textOf(r)).toBe('NOT_FOUND');
      expect(textOf(r)).not.toContain('root:x:0:0');
    }
    const belowFile = await client.callTool({
      name: 'read_file',
      arguments: { path: `${dir}/inside.txt/x` },
    });
    expect(errorCodeOf(belowFile)).toBe('NOT_A_DIRECTORY');
    const write = await client.callTool({
      name: 'write_file',
      arguments: { path: `${dir}/no-dir/new.txt`, content: 'x' },
    });
    expect(errorCodeOf(write)).toBe('NOT_FOUND');
    expect(existsSync(`${dir}/no-dir`)).toBe(false);
  });
});

/** The byte every position of the file holds, or null when it holds more than one value. */
async function uniformByte(path: string): Promise<number | null> {
  let value: number | undefined;
  let reference = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (value === undefined) {
      value = chunk[0];
      reference = Buffer.alloc(1 << 20, value);
    }
    if (!chunk.equals(reference.subarray(0, chunk.length))) return null;
  }
  return value ?? null;
}

describe('write_file is atomic when the agent is killed with SIGKILL mid-write', () => {
  const SIZE = 64 * 1024 * 1024;
  const A = 'a'.charCodeAt(0);
  const B = 'b'.charCodeAt(0);
  let crashRoot: string;
  let crashAgent: AgentHandle | undefined;

  beforeAll(() => {
    crashRoot = realTempDir('mcpf-crash-');
  });
  afterAll(async () => {
    await disposeAgent(crashAgent);
    removeDir(crashRoot);
  });

  it('the target is always entirely the old or entirely the new content', { timeout: 240_000 }, async () => {
    const target = join(crashRoot, 'big.dat');
    writeFileSync(target, Buffer.alloc(SIZE, A));
    const contents = new Map([
      [A, 'a'.repeat(SIZE)],
      [B, 'b'.repeat(SIZE)],
    ]);
    const config =
      `policy:\n  roots: ["${crashRoot}"]\n` +
      `  limits:\n    max_file_bytes: ${200 * 1024 * 1024}\n    max_body_bytes: ${200 * 1024 * 1024}\n`;

    /** Starts an agent and a write of the byte the file does not hold now; returns the call's outcome. */
    const startWrite = async (era: Era) => {
      const before = await uniformByte(target);
      expect(before === A || before === B, 'the file is whole before the write').toBe(true);
      const next = before === A ? B : A;
      const started = await startAgent({ config });
      crashAgent = started;
      const client = await connectClient(started.url, started.token, era);
      const startedAt = Date.now();
      const call = client
        .callTool({ name: 'write_file', arguments: { path: target, content: contents.get(next) ?? '' } })
        .then(
          (r) => (r.isError ? `error ${textOf(r)}` : 'written'),
          () => 'call failed (agent killed)',
        );
      return { agent: started, client, next, startedAt, call };
    };

    // Calibration: one uninterrupted write, to aim the kills across the whole write window.
    const calibration = await startWrite('legacy');
    expect(await calibration.call).toBe('written');
    const windowMs = Date.now() - calibration.startedAt;
    await calibration.client.close();
    await disposeAgent(crashAgent);
    crashAgent = undefined;
    expect(await uniformByte(target)).toBe(calibration.next);

    const outcomes: string[] = [];
    for (let iteration = 0; iteration < 5; iteration++) {
      const era: Era = iteration % 2 === 0 ? 'legacy' : 'modern';
      const { agent: victim, client, next, startedAt, call } = await startWrite(era);
      let delay: number;
      let aim = 'at a random time';
      if (iteration % 2 === 0) {
        // Anywhere in the measured window and a little past it: while the request still arrives,
        // while the temp file is written, or after the rename.
        delay = 20 + Math.floor(Math.random() * Math.max(400, windowMs * 1.2));
        await sleep(delay);
      } else {
        // Aimed at the write itself: shortly after the temp file appears (bounded wait).
        const tempSeen = await waitUntil(
          () => readdirSync(crashRoot).some((n) => n.endsWith('.tmp')),
          windowMs * 3,
          5,
        );
        await sleep(Math.floor(Math.random() * 60));
        delay = Date.now() - startedAt;
        // Not seeing it only means the write was quicker than the polling; the kill still counts.
        aim = tempSeen ? 'after the temp file appeared' : 'temp file never seen';
      }
      const child = victim.child;
      const exited = new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r();
        else child.once('exit', () => r());
      });
      child.kill('SIGKILL');
      await exited;
      const outcome = await Promise.race([call, sleep(15_000).then(() => 'call still pending')]);
      await client.close().catch(() => {});
      await disposeAgent(crashAgent);
      crashAgent = undefined;

      const temps = readdirSync(crashRoot).filter((n) => n.endsWith('.tmp')).length;
      expect(statSync(target).size).toBe(SIZE);
      const after = await uniformByte(target);
      expect(after === A || after === B, `iteration ${iteration}: torn file after ${delay} ms`).toBe(true);
      if (outcome === 'written') expect(after).toBe(next);
      outcomes.push(
        `${era}, killed ${aim} (${delay} of ~${windowMs} ms): ${outcome}; the file is whole and ` +
          `${after === next ? 'new' : 'old'}; ${temps} temp files left so far`,
      );
    }
    // kill -9 may leave the writer's temp file (.big.dat.mcp-fleet-….tmp) behind: there is nobody
    // left to unlink it, and that is acceptable. What must never happen is a torn target, which is
    // what the loop asserts; the temp files are removed with the directory.
    expect(outcomes, outcomes.join('\n')).toHaveLength(5);
  });
});

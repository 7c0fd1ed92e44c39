/**
 * `mcp-fleet audit verify` (the built binary) against the audit file a real agent wrote: intact
 * after calls and a restart; an altered, removed or reordered line, a re-sealed forgery and a
 * cut tail are each found at the right line.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, cleanEnv, connectClient, runCli, startAgent } from '../helpers/agentProcess.js';
import { disposeAgent, readAudit, textOf, waitFor } from '../helpers/toolAssertions.js';

const GENESIS = '0'.repeat(64);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ENV = cleanEnv();

let agent: AgentHandle | undefined;

/** Makes `n` calls (a mix of tools and outcomes) and waits until the agent audited them all. */
async function makeCalls(a: AgentHandle, n: number): Promise<void> {
  const before = readAudit(a.auditPath).length;
  const client = await connectClient(a.url, a.token);
  try {
    for (let i = 0; i < n; i++) {
      if (i % 3 === 2) {
        const r = await client.callTool({ name: 'read_file', arguments: { path: '/no/such/file' } });
        expect(r.isError).toBe(true);
      } else {
        const r = await client.callTool({ name: 'exec', arguments: { argv: ['echo', `call-${i}`] } });
        expect(textOf(r)).toContain(`call-${i}`);
      }
    }
  } finally {
    await client.close();
  }
  await waitFor('every call audited', () => readAudit(a.auditPath).length === before + n);
}

/** The live log's lines (without newlines), copied so a test can tamper with them. */
function liveLines(): string[] {
  if (!agent) throw new Error('no agent');
  return readFileSync(agent.auditPath, 'utf8').trimEnd().split('\n');
}

function writeCopy(name: string, lines: readonly string[]): string {
  if (!agent) throw new Error('no agent');
  const path = join(agent.dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

const verify = (...args: string[]) => runCli(['audit', 'verify', ...args], ENV);

beforeAll(async () => {
  agent = await startAgent();
  await makeCalls(agent, 6);
  // A restart continues the chain from the file's last line.
  await agent.stop();
  agent = await startAgent({ dir: agent.dir, port: agent.port, token: agent.token });
  await makeCalls(agent, 6);
});

afterAll(async () => {
  await disposeAgent(agent);
});

describe('audit verify on a real agent log', () => {
  it('is intact from genesis across a restart: one line, exit 0', async () => {
    const lines = liveLines();
    expect(lines).toHaveLength(12);
    expect(JSON.parse(lines[0] ?? '').prev).toBe(GENESIS);
    const r = await verify(agent?.auditPath ?? '');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `ok: 12 lines, chain intact from genesis; last line sha256 ${sha256(lines[11] ?? '')}\n`,
    );
    expect(r.code).toBe(0);
  });

  it('names an edited line in the middle', async () => {
    const lines = liveLines();
    const edited = [...lines];
    edited[4] = (edited[4] ?? '').replace('"outcome":"ok"', '"outcome":"error"');
    expect(edited[4]).not.toBe(lines[4]);
    const path = writeCopy('edited.jsonl', edited);
    const r = await verify(path);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${path}:5: the seal does not match the line: the line was altered\nbroken: 12 lines checked, first at ${path}:5\n`,
    );
  });

  it('finds a forgery that recomputes the seal at the next line, whose prev no longer fits', async () => {
    const lines = liveLines();
    const record = JSON.parse(lines[6] ?? '');
    const sealed = (lines[6] ?? '')
      .slice(0, (lines[6] ?? '').lastIndexOf(',"seal":"'))
      .replace('echo', 'ECHO');
    expect(sealed).not.toBe(lines[6]?.slice(0, sealed.length));
    const forged = [...lines];
    forged[6] = `${sealed},"seal":"${sha256(sealed)}"}`;
    expect(JSON.parse(forged[6] ?? '').prev).toBe(record.prev);
    const path = writeCopy('forged.jsonl', forged);
    const r = await verify(path);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(
      `${path}:8: prev does not match line 7: a line was removed, inserted or reordered before this one`,
    );
  });

  it('names the line after a deleted one, and the first of two swapped lines', async () => {
    const lines = liveLines();
    const deleted = writeCopy(
      'deleted.jsonl',
      lines.filter((_, i) => i !== 3),
    );
    const d = await verify(deleted);
    expect(d.code).toBe(1);
    expect(d.stdout.split('\n')[0]).toBe(
      `${deleted}:4: prev does not match line 3: a line was removed, inserted or reordered before this one`,
    );
    const swapped = [...lines];
    [swapped[8], swapped[9]] = [lines[9] ?? '', lines[8] ?? ''];
    const s = await verify(writeCopy('swapped.jsonl', swapped));
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('swapped.jsonl:9: prev does not match line 8');
  });

  it('shows a cut tail only against a checkpoint kept from an earlier run', async () => {
    const lines = liveLines();
    const json = await verify('--json', agent?.auditPath ?? '');
    expect(json.code).toBe(0);
    const checkpoint = JSON.parse(json.stdout).last as string;
    expect(checkpoint).toBe(sha256(lines[11] ?? ''));
    const cut = writeCopy('cut.jsonl', lines.slice(0, 10));
    // The chain alone is intact: ten good lines.
    expect((await verify(cut)).code).toBe(0);
    const r = await verify(cut, '--checkpoint', checkpoint);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`checkpoint ${checkpoint} is not in the chain`);
    const live = await verify(agent?.auditPath ?? '', '--checkpoint', checkpoint);
    expect(live.code).toBe(0);
    expect(live.stdout).toContain(`checkpoint found at ${agent?.auditPath}:12`);
  });

  it('a file it cannot read is an operator error: one line on stderr, exit 2', async () => {
    const missing = join(agent?.dir ?? '', 'missing.jsonl');
    const r = await verify(missing);
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `mcp-fleet: no such file or directory: ${missing}\n`,
    });
    const bad = await verify(agent?.auditPath ?? '', '--checkpoint', 'not-a-hash');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

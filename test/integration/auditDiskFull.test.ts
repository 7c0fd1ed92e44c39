/**
 * The hub's audit log on a full disk: a 64 KiB tmpfs mounted for this test holds the audit
 * file. Filled up, the hub still answers every call correctly and logs each failed audit
 * write; the file keeps only whole lines (a write the disk cut short is cut back); the records
 * it could not take are held in order, and once there is space again they are all written and
 * `mcp-fleet audit verify` finds the chain intact from genesis with every call in it.
 *
 * Needs root (mount). When the mount fails the test fails, saying why: skipping would hide an
 * untested fault path.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  cleanEnv,
  connectClient,
  runCli,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, fleetByDevice, readAudit, structuredOf, waitFor } from '../helpers/toolAssertions.js';

const GENESIS = '0'.repeat(64);

let mountDir: string | undefined;
let mounted = false;
let agent: AgentHandle | undefined;
let hub: HubHandle | undefined;
let auditPath = '';

beforeAll(async () => {
  mountDir = tempDir('mcpf-auditfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountDir], {
      timeout: 10_000,
      stdio: 'pipe',
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the disk-full test needs a 64 KiB tmpfs at ${mountDir} and could not mount it (root and mount(8) are required): ${why}`,
    );
  }
  mounted = true;
  auditPath = join(mountDir, 'audit.jsonl');
  agent = await startAgent();
  const devices = agentDevices([{ name: 'pi-1', agent }]);
  hub = await startHub({ config: devices.yaml, env: devices.env, args: ['--audit-log', auditPath] });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await disposeAgent(agent);
  if (mounted && mountDir) {
    try {
      execFileSync('umount', [mountDir], { timeout: 10_000, stdio: 'pipe' });
    } catch {
      // Still busy (a straggler holding the file): detach it instead of leaving it mounted.
      execFileSync('umount', ['-l', mountDir], { timeout: 10_000, stdio: 'pipe' });
    }
  }
  if (mountDir) rmdirSync(mountDir);
});

/** One fleet_exec that must answer `echo`'s output from pi-1, whatever the audit disk does. */
async function echo(client: Client, word: string): Promise<void> {
  const result = await client.callTool({
    name: 'fleet_exec',
    arguments: { targets: 'pi-1', argv: ['echo', word] },
  });
  expect(result.isError).toBeFalsy();
  const entry = fleetByDevice<{ stdout: string; exit_code: number }>(result).get('pi-1');
  expect(entry?.ok).toBe(true);
  expect(entry?.result?.stdout).toBe(`${word}\n`);
}

/** Every line of the file is a whole JSON record ending in a newline: nothing torn. */
function wholeLines(path: string): number {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  return lines.length;
}

/** Fills the file system to the last block; bounded by its size. */
function fill(path: string): void {
  const block = Buffer.alloc(1024, 0x2e);
  for (let i = 0; i < 128; i++) {
    try {
      appendFileSync(path, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      return;
    }
  }
  throw new Error('a 64 KiB file system took 128 KiB: the tmpfs is not the size asked for');
}

const auditFailures = () => (hub?.stderr() ?? '').split('\n').filter((l) => l.includes('audit write failed'));

describe('the hub with its audit log on a full disk', () => {
  it('answers every call, keeps the file whole, and writes every record once there is space', async () => {
    if (!hub || !mountDir) throw new Error('no hub');
    const client = await connectClient(hub.url, hub.token);
    const other = await connectClient(hub.url, hub.token, 'modern');
    const words: string[] = [];
    const call = async (word: string) => {
      await echo(client, word);
      words.push(word);
    };
    try {
      for (let i = 0; i < 3; i++) await call(`before-${i}`);
      await waitFor('the first records', () => readAudit(auditPath).length === 3);

      const filler = join(mountDir, 'filler');
      fill(filler);
      // The audit file's last block may still have room for a few lines: call until a write
      // fails (bounded: a few KiB of slack at most), then a few more behind it.
      for (let i = 0; i < 60 && auditFailures().length === 0; i++) await call(`full-${i}`);
      expect(auditFailures().length).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) await call(`still-full-${i}`);
      // Another session is answered too (its call is a record held like the others).
      const devices = await other.callTool({ name: 'fleet_devices', arguments: {} });
      expect(devices.isError).toBeFalsy();
      expect(JSON.stringify(structuredOf(devices))).toContain('pi-1');
      words.push('(fleet_devices)');
      expect((await fetch(`http://127.0.0.1:${hub.port}/healthz`)).ok).toBe(true);

      const failures = auditFailures();
      expect(failures.every((l) => l.includes('ENOSPC'))).toBe(true);
      expect(failures.at(-1)).toContain('held until it takes them');
      // While full: only whole lines, and they verify as far as they go.
      const written = wholeLines(auditPath);
      expect(written).toBeLessThan(words.length);
      const partial = await runCli(['audit', 'verify', auditPath], cleanEnv());
      expect(partial.code).toBe(0);
      expect(partial.stdout).toMatch(new RegExp(`^ok: ${written} lines, chain intact from genesis;`));

      unlinkSync(filler);
      for (let i = 0; i < 2; i++) await call(`after-${i}`);
      await waitFor('every record written', () => wholeLines(auditPath) === words.length);
    } finally {
      await client.close();
      await other.close();
    }

    const lines = readAudit(auditPath);
    expect(
      lines.map((l) => (l.tool === 'fleet_exec' ? (l.args as { argv: string[] }).argv[1] : `(${l.tool})`)),
    ).toEqual(words);
    const verdict = await runCli(['audit', 'verify', auditPath], cleanEnv());
    expect(verdict.stderr).toBe('');
    expect(verdict.stdout).toMatch(
      new RegExp(`^ok: ${words.length} lines, chain intact from genesis; last line sha256 [0-9a-f]{64}\\n$`),
    );
    expect(verdict.code).toBe(0);
    expect(JSON.parse(readFileSync(auditPath, 'utf8').split('\n')[0] ?? '').prev).toBe(GENESIS);
    expect(hub.child.exitCode).toBeNull();
  });
});

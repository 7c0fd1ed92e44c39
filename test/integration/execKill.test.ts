import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, Progress } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, type Era, startAgent } from '../helpers/agentProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  isGone,
  procState,
  readAudit,
  readPid,
  realTempDir,
  removeDir,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

let agent: AgentHandle;
let work: string;

beforeAll(async () => {
  work = realTempDir('mcpf-exec-');
  agent = await startAgent();
});
afterAll(async () => {
  await disposeAgent(agent);
  removeDir(work);
});

/** Every pid file a script was expected to write, read once they all exist (bounded). */
async function pidsFrom(dir: string, names: readonly string[]): Promise<Map<string, number>> {
  const written = await waitUntil(() => names.every((n) => existsSync(join(dir, n))), 5000);
  expect(written, `pid files ${names.join(', ')} in ${dir}`).toBe(true);
  return new Map(names.map((n) => [n, readPid(join(dir, n))]));
}

function survivors(pids: Map<string, number>): string[] {
  return [...pids]
    .filter(([, pid]) => !isGone(pid))
    .map(([name, pid]) => `${name}=${pid} (${procState(pid)})`);
}

function isCommand(args: unknown, command: string): boolean {
  return typeof args === 'object' && args !== null && 'command' in args && args.command === command;
}

/** Cleanup after a failed assertion: SIGKILL, by pid, whatever this test's script started and left running. */
function killLeftovers(pids: Map<string, number> | undefined): void {
  for (const pid of pids?.values() ?? []) {
    if (isGone(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

describe.each<Era>(['legacy', 'modern'])('exec process control (%s era)', (era) => {
  let client: Client | undefined;
  let dir: string;

  afterEach(async () => {
    await client?.close().catch(() => {});
    client = undefined;
  });

  it('a timeout kills the whole process tree, including a child that ignores SIGTERM', async () => {
    dir = realTempDir(`mcpf-tree-${era}-`);
    let pids: Map<string, number> | undefined;
    try {
      client = await connectClient(agent.url, agent.token, era);
      // The child ignores SIGTERM (and so does its `sleep`, which inherits the ignored disposition),
      // so only the SIGKILL that follows the grace period can end it.
      const script = [
        `sh -c 'trap "" TERM; echo $$ > ${dir}/child.pid; sleep 300 & echo $! > ${dir}/child-sleep.pid; wait' &`,
        `sh -c 'sh -c "echo \\$\\$ > ${dir}/grandchild.pid; exec sleep 300" & echo $$ > ${dir}/middle.pid; wait' &`,
        `echo $$ > ${dir}/script.pid`,
        'sleep 300',
      ].join('\n');
      const started = Date.now();
      const result = await client.callTool({ name: 'exec', arguments: { command: script, timeout_s: 1 } });
      const elapsed = Date.now() - started;
      const out = structuredOf(result);
      expect(out.timed_out).toBe(true);
      expect(out.exit_code).toBeNull();
      expect(['SIGTERM', 'SIGKILL']).toContain(out.signal);
      expect(out.stderr).not.toContain('survived SIGKILL');
      expect(textOf(result)).toMatch(/^timed out \(process group killed\)/);
      expect(out.duration_ms).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(15_000);

      pids = await pidsFrom(dir, [
        'script.pid',
        'child.pid',
        'child-sleep.pid',
        'middle.pid',
        'grandchild.pid',
      ]);
      expect(new Set(pids.values()).size).toBe(5);
      const tree = pids;
      const gone = await waitUntil(() => survivors(tree).length === 0, 5000);
      expect(gone, `still running: ${survivors(tree).join(', ')}`).toBe(true);
    } finally {
      killLeftovers(pids);
      removeDir(dir);
    }
  });

  it('cancelling the call (client AbortSignal) rejects it and kills the process group', async () => {
    dir = realTempDir(`mcpf-cancel-${era}-`);
    let pids: Map<string, number> | undefined;
    try {
      client = await connectClient(agent.url, agent.token, era);
      const command = [
        `echo $$ > ${dir}/shell.pid`,
        `sh -c 'echo $$ > ${dir}/grandchild.pid; exec sleep 300' &`,
        `sleep 300 & echo $! > ${dir}/sleep.pid`,
        'wait',
      ].join('\n');
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 500);
      const started = Date.now();
      try {
        await expect(
          client.callTool(
            { name: 'exec', arguments: { command, timeout_s: 120 } },
            { signal: controller.signal },
          ),
        ).rejects.toThrow(/abort/i);
      } finally {
        clearTimeout(timer);
      }
      expect(Date.now() - started).toBeLessThan(5_000);
      pids = await pidsFrom(dir, ['shell.pid', 'grandchild.pid', 'sleep.pid']);
      const group = pids;
      const gone = await waitUntil(() => survivors(group).length === 0, 10_000);
      expect(gone, `still running after cancel: ${survivors(group).join(', ')}`).toBe(true);
      // The agent saw the cancellation, not just a vanished client: the call is audited as CANCELLED.
      const audited = await waitUntil(
        () =>
          readAudit(agent.auditPath).some((l) => isCommand(l.args, command) && l.error_code === 'CANCELLED'),
        5000,
      );
      expect(audited).toBe(true);
    } finally {
      killLeftovers(pids);
      removeDir(dir);
    }
  });

  it('caps output per stream, keeping head and tail with a marker', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const result = await client.callTool({
      name: 'exec',
      arguments: { argv: ['seq', '1', '100000'], max_output_bytes: 1000 },
    });
    const out = structuredOf(result);
    expect(out.exit_code).toBe(0);
    expect(out.truncated).toBe(true);
    const stdout = String(out.stdout);
    expect(stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(stdout.endsWith('99999\n100000\n')).toBe(true);
    expect(stdout).toContain('…[truncated ');
    // seq 1 100000 prints 588895 bytes; 1000 of them are kept.
    expect(stdout).toContain(`…[truncated ${588_895 - 1000} bytes]…`);
    expect(textOf(result)).toContain('(output truncated)');
  });

  it('sends progress notifications carrying the latest output lines', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const updates: Progress[] = [];
    const result = await client.callTool(
      {
        name: 'exec',
        arguments: { command: 'i=1; while [ $i -le 15 ]; do echo line-$i; i=$((i+1)); sleep 0.1; done' },
      },
      { onprogress: (p) => updates.push(p) },
    );
    const out = structuredOf(result);
    expect(out.exit_code).toBe(0);
    expect(String(out.stdout).split('\n').filter(Boolean)).toHaveLength(15);
    const messages = updates.map((u) => u.message ?? '');
    expect(
      messages.some((m) => /line-\d+/.test(m)),
      JSON.stringify(updates),
    ).toBe(true);
    let lastSeen = 0;
    for (const u of updates) {
      const message = u.message ?? '';
      const numbers = [...message.matchAll(/^line-(\d+)$/gm)].map((m) => Number(m[1]));
      // Each message is a window of consecutive recent lines (at most six), moving forward.
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers.length).toBeLessThanOrEqual(6);
      numbers.forEach((n, i) => {
        expect(n).toBe((numbers[0] ?? 0) + i);
      });
      expect(numbers.at(-1) ?? 0).toBeGreaterThanOrEqual(lastSeen);
      lastSeen = numbers.at(-1) ?? 0;
    }
    // Progress values strictly increase, as the spec requires.
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]?.progress ?? 0).toBeGreaterThan(updates[i - 1]?.progress ?? 0);
    }
  });

  it('a command that does not exist is EXEC_FAILED', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const result = await client.callTool({ name: 'exec', arguments: { argv: ['no-such-cmd-xyz'] } });
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe('EXEC_FAILED');
    expect(textOf(result)).toContain('no-such-cmd-xyz');
  });

  it('a cwd that does not exist is an error, and an existing cwd is used', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const missing = await client.callTool({
      name: 'exec',
      arguments: { argv: ['pwd'], cwd: join(work, 'no-such-dir') },
    });
    expect(missing.isError).toBe(true);
    expect(errorCodeOf(missing)).toBe('NOT_A_DIRECTORY');
    const ok = await client.callTool({ name: 'exec', arguments: { argv: ['pwd'], cwd: work } });
    expect(structuredOf(ok).stdout).toBe(`${work}\n`);
  });

  it('passes env and stdin, and never the agent token', async () => {
    client = await connectClient(agent.url, agent.token, era);
    const withEnv = await client.callTool({
      name: 'exec',
      arguments: { argv: ['printenv', 'FLEET_TEST_VAR'], env: { FLEET_TEST_VAR: 'value with spaces' } },
    });
    expect(structuredOf(withEnv)).toMatchObject({ exit_code: 0, stdout: 'value with spaces\n' });

    const env = await client.callTool({ name: 'exec', arguments: { argv: ['env'] } });
    const envOut = String(structuredOf(env).stdout);
    expect(envOut).toContain('PATH=');
    expect(envOut).not.toContain('MCP_FLEET_TOKEN');
    expect(envOut).not.toContain(agent.token);
    expect(envOut).not.toContain('MCP_FLEET_');

    const cat = await client.callTool({ name: 'exec', arguments: { argv: ['cat'], stdin: 'hello' } });
    expect(structuredOf(cat)).toMatchObject({ exit_code: 0, stdout: 'hello', stderr: '' });
  });
});

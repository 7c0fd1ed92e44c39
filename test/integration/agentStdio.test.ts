import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { BIN, type Era, tempDir } from '../helpers/agentProcess.js';
import { isGone, waitUntil } from '../helpers/toolAssertions.js';

/** Environment for the spawned agent: only what it needs, state kept in a temp dir. */
function agentEnv(dir: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, MCP_FLEET_STATE_DIR: dir };
}

const waitUntilGone = (pid: number, timeoutMs: number) => waitUntil(() => isGone(pid), timeoutMs, 25);

interface Case {
  era: Era;
  /** With --config the agent also watches a file: that must not keep it alive after EOF. */
  withConfig: boolean;
}

const cases: Case[] = [
  { era: 'legacy', withConfig: false },
  { era: 'modern', withConfig: false },
  { era: 'legacy', withConfig: true },
  { era: 'modern', withConfig: true },
];

describe.each(cases)('agent over stdio ($era era, config file: $withConfig)', ({ era, withConfig }) => {
  it('lists tools, runs exec and system_status, keeps stdout pure JSON-RPC and exits when the client closes', async () => {
    const dir = tempDir();
    const args = [BIN, 'agent', '--stdio'];
    if (withConfig) {
      const config = join(dir, 'agent.yaml');
      writeFileSync(config, 'policy:\n  read_only: false\n');
      args.push('--config', config);
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args,
      env: agentEnv(dir),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const client = new Client(
      { name: 'mcp-fleet-test', version: '1.0.0' },
      { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
    );
    // Anything on stdout that is not a JSON-RPC message surfaces here as a parse error.
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    let pid: number | null = null;
    try {
      await client.connect(transport);
      pid = transport.pid;
      expect(pid).toEqual(expect.any(Number));
      expect(client.getProtocolEra()).toBe(era);

      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['exec', 'system_status', 'read_file']),
      );

      // The command writes to its own stdout and stderr: both must come back in the result,
      // never leak onto the agent's stdout (the MCP channel).
      const exec = await client.callTool({
        name: 'exec',
        arguments: { command: 'echo not-json-rpc; echo to-stderr >&2' },
      });
      expect(exec.isError).toBeFalsy();
      expect(exec.structuredContent).toMatchObject({
        exit_code: 0,
        stdout: 'not-json-rpc\n',
        stderr: 'to-stderr\n',
      });

      const status = await client.callTool({ name: 'system_status', arguments: {} });
      expect(status.isError).toBeFalsy();
      expect(status.structuredContent).toMatchObject({
        hostname: expect.any(String),
        kernel: expect.any(String),
        memory: { total_bytes: expect.any(Number) },
      });

      const started = Date.now();
      await client.close();
      // The transport ends stdin, waits up to 2 s, then falls back to SIGTERM: closing well
      // inside that window means the agent left on end-of-file by itself.
      expect(Date.now() - started).toBeLessThan(1900);
      expect(await waitUntilGone(pid ?? -1, 5000)).toBe(true);
      expect(errors).toEqual([]);
      // Logs go to stderr, never to stdout.
      expect(stderr).toContain('agent serving MCP on stdio');
    } finally {
      await client.close().catch(() => {});
      if (pid !== null && !isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('agent over stdio, raw', () => {
  it('writes nothing but newline-delimited JSON-RPC to stdout and exits 0 on end of input', async () => {
    const dir = tempDir();
    const child: ChildProcess = spawn(process.execPath, [BIN, 'agent', '--stdio'], {
      env: agentEnv(dir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);
    const responses = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map(
          (line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: unknown; error?: unknown },
        );
    async function waitForResponse(id: number): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (!responses().some((m) => m.id === id)) {
        if (Date.now() > deadline) throw new Error(`no response ${id}; stdout=${stdout} stderr=${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      await waitForResponse(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'exec', arguments: { command: 'echo plain text; printf "no newline"' } },
      });
      await waitForResponse(2);
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'system_status', arguments: {} } });
      await waitForResponse(3);
      child.stdin?.end();

      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000));
      expect(await Promise.race([exited, timeout])).toEqual({ code: 0, signal: null });

      expect(stdout.endsWith('\n')).toBe(true);
      const messages = responses();
      expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
      for (const m of messages) {
        expect(m.jsonrpc).toBe('2.0');
        expect(m.error).toBeUndefined();
      }
      expect(messages[1]?.result).toMatchObject({
        structuredContent: { exit_code: 0, stdout: 'plain text\nno newline' },
      });
      expect(stderr).toContain('agent serving MCP on stdio');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

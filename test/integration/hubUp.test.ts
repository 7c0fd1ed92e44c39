import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, connectClient, freePort, tempDir } from '../helpers/agentProcess.js';
import { fleetEntries, removeDir, structuredOf, waitUntil } from '../helpers/toolAssertions.js';

const TOKEN = /mcpf_[A-Za-z0-9_-]+/g;

const entriesOf = (r: CallToolResult) => fleetEntries(r);

interface UpHandle {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `mcp-fleet up` on a free loopback port and waits until it has printed its banner
 * (the `claude mcp add` line comes last, after the hub listens).
 */
async function startUp(
  stateDir: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<UpHandle> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--listen', `127.0.0.1:${port}`, '--state-dir', stateDir, ...extra],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const ready = await waitUntil(() => child.exitCode !== null || out.includes('claude mcp add'), 15_000);
  if (!ready || child.exitCode !== null) {
    await stop();
    throw new Error(`mcp-fleet up did not start (exit ${child.exitCode}): ${err}`);
  }
  return { url: `http://127.0.0.1:${port}/mcp`, child, stdout: () => out, stderr: () => err, stop };
}

/** The HTTP status a bare initialize request with this bearer gets. */
async function statusWith(url: string, token: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('mcp-fleet up over HTTP', () => {
  let stateDir: string;
  let xdg: string;
  let env: Record<string, string>;
  const running: UpHandle[] = [];
  let first: UpHandle;
  let token: string;

  beforeAll(async () => {
    stateDir = tempDir('mcpf-up-state-');
    xdg = tempDir('mcpf-up-xdg-');
    env = { ...cleanEnv(), XDG_CONFIG_HOME: xdg };
    first = await startUp(stateDir, env);
    running.push(first);
    token = [...first.stdout().matchAll(TOKEN)].map((m) => m[0])[0] ?? '';
  }, 30_000);

  afterAll(async () => {
    for (const up of running) await up.stop();
    removeDir(stateDir);
    removeDir(xdg);
  });

  it('prints a new token with a claude mcp add line, and stores only its hash (0600)', () => {
    const out = first.stdout();
    expect(token).toMatch(/^mcpf_/);
    const tokenLines = out.split('\n').filter((l) => l.includes(token));
    expect(tokenLines.filter((l) => l.startsWith('Token'))).toHaveLength(1);
    const add = out.split('\n').find((l) => l.includes('claude mcp add'));
    expect(add).toContain(first.url);
    expect(add).toContain(`Authorization: Bearer ${token}`);
    // One token only, printed in the banner and the snippet that uses it.
    expect(new Set([...out.matchAll(TOKEN)].map((m) => m[0]))).toEqual(new Set([token]));
    const stored = readFileSync(join(stateDir, 'up-token.json'), 'utf8');
    expect(stored).not.toContain(token);
    expect(statSync(join(stateDir, 'up-token.json')).mode & 0o777).toBe(0o600);
    expect(first.stderr()).not.toContain(token);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`with that token a ${era} client sees the fleet tools and exactly the device "local"`, async () => {
      const client = await connectClient(first.url, token, era);
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('fleet_devices');
        expect(names).toContain('fleet_exec');
        expect(names.every((n) => n.startsWith('fleet_'))).toBe(true);
        const devices = structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} }))
          .devices as Array<{ name: string; connector: string; source: string }>;
        expect(devices.map((d) => d.name)).toEqual(['local']);
        expect(devices[0]?.connector).toBe('local');
        expect(devices[0]?.source).toBe('builtin');
        const result = await client.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'local', argv: ['echo', era] },
        });
        const [entry] = entriesOf(result);
        expect(entry?.device).toBe('local');
        expect(entry?.ok).toBe(true);
        expect(entry?.result?.stdout).toBe(`${era}\n`);
      } finally {
        await client.close();
      }
    });
  }

  it('refuses a wrong token with 401', async () => {
    expect(await statusWith(first.url, 'mcpf_wrong')).toBe(401);
  });

  it('a second start prints no token and the old one still works; --new-token revokes it', async () => {
    await first.stop();
    const second = await startUp(stateDir, env);
    running.push(second);
    expect(second.stdout()).not.toMatch(TOKEN);
    expect(second.stdout()).toContain('claude mcp add');
    const client = await connectClient(second.url, token, 'modern');
    try {
      const devices = structuredOf(await client.callTool({ name: 'fleet_devices', arguments: {} }))
        .devices as Array<{ name: string }>;
      expect(devices.map((d) => d.name)).toEqual(['local']);
    } finally {
      await client.close();
    }
    await second.stop();

    const third = await startUp(stateDir, env, ['--new-token']);
    running.push(third);
    const fresh = [...third.stdout().matchAll(TOKEN)].map((m) => m[0]);
    expect(fresh.length).toBeGreaterThan(0);
    const newToken = fresh[0] as string;
    expect(new Set(fresh)).toEqual(new Set([newToken]));
    expect(newToken).not.toBe(token);
    expect(await statusWith(third.url, token)).toBe(401);
    const client3 = await connectClient(third.url, newToken, 'legacy');
    try {
      expect((await client3.listTools()).tools.some((t) => t.name === 'fleet_exec')).toBe(true);
    } finally {
      await client3.close();
    }
  }, 60_000);
});

describe('mcp-fleet up --stdio', () => {
  it('serves the fleet over stdin/stdout with only protocol on stdout', async () => {
    const stateDir = tempDir('mcpf-up-stdio-');
    const xdg = tempDir('mcpf-up-xdg-');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'up', '--stdio', '--state-dir', stateDir],
      env: { ...cleanEnv(), XDG_CONFIG_HOME: xdg },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const client = new Client({ name: 'mcp-fleet-test', version: '1.0.0' });
    try {
      // Any non-protocol byte on stdout would make the client fail to parse a message.
      const errors: Error[] = [];
      client.onerror = (error) => errors.push(error);
      await client.connect(transport);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('fleet_status');
      expect(names).toContain('fleet_devices');
      const result = await client.callTool({ name: 'fleet_status', arguments: { targets: 'local' } });
      const [entry] = entriesOf(result);
      expect(entry?.device).toBe('local');
      expect(entry?.ok, JSON.stringify(entry)).toBe(true);
      expect(typeof entry?.result?.hostname).toBe('string');
      expect(errors, stderr).toEqual([]);
      // stdio needs no token: none is printed or stored.
      expect(stderr).not.toMatch(TOKEN);
    } finally {
      await client.close().catch(() => {});
      removeDir(stateDir);
      removeDir(xdg);
    }
  }, 30_000);
});

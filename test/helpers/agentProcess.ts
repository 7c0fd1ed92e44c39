import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach } from 'vitest';

/** The built CLI; `npm test` builds first (pretest). */
export const BIN = resolve(import.meta.dirname, '../../dist/src/bin/mcp-fleet.js');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

export function tempDir(prefix = 'mcpf-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface AgentHandle {
  url: string;
  port: number;
  token: string;
  dir: string;
  auditPath: string;
  child: ChildProcess;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartAgentOptions {
  /** agent.yaml text written into the temp dir and passed with --config. */
  config?: string;
  args?: string[];
  env?: Record<string, string>;
  token?: string;
  /** A fixed port (a restarted agent comes back where it was). */
  port?: number;
  /** A fixed directory (a restarted agent keeps its state). */
  dir?: string;
}

/** Starts the real `mcp-fleet agent` on a free loopback port and waits for /healthz. */
export async function startAgent(options: StartAgentOptions = {}): Promise<AgentHandle> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? tempDir();
  const token = options.token ?? `test-token-${Math.random().toString(36).slice(2)}`;
  const auditPath = join(dir, 'audit.jsonl');
  const args = [BIN, 'agent', '--listen', `127.0.0.1:${port}`, '--audit-log', auditPath];
  if (options.config !== undefined) {
    const configPath = join(dir, 'agent.yaml');
    writeFileSync(configPath, options.config);
    args.push('--config', configPath);
  }
  args.push(...(options.args ?? []));
  const server = await spawnServer(
    args,
    { ...process.env, MCP_FLEET_TOKEN: token, MCP_FLEET_STATE_DIR: dir, ...options.env },
    port,
    'agent',
  );
  return { url: `http://127.0.0.1:${port}/mcp`, port, token, dir, auditPath, ...server };
}

/** A spawned `mcp-fleet` server: its process, what it printed on stderr, and how to stop it. */
export interface ServerProcess {
  child: ChildProcess;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns the built CLI with `args` and waits (bounded) until /healthz on `port` answers. */
export async function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  what: string,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  child.stdout?.resume();
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}: ${err}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type Era = 'legacy' | 'modern';

/** A real SDK client of the given protocol era, authenticated with the agent's token. */
export async function connectClient(url: string, token: string, era: Era = 'legacy'): Promise<Client> {
  const client = new Client(
    { name: 'mcp-fleet-test', version: '1.0.0' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Writes a file and returns its path (test fixtures). */
export function writeFixture(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** This process's environment without the agent's own variables, so a test sets each of them. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('MCP_FLEET_') || key.startsWith('LISTEN_')) continue;
    env[key] = value;
  }
  return env;
}

export interface CliRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to its exit (killed after `timeoutMs`) and returns what it printed. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 15_000,
  cwd?: string,
): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-fleet ${args.join(' ')} did not exit within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Per-test clients for a `describe` block: `connect()` opens one to the agent `getAgent()`
 * returns (read when called, so it may be started in a `beforeAll`), and each is closed after
 * its test.
 */
export function eraClients(getAgent: () => AgentHandle, era: Era): { connect(): Promise<Client> } {
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close().catch(() => {});
    client = undefined;
  });
  return {
    async connect() {
      const agent = getAgent();
      client = await connectClient(agent.url, agent.token, era);
      return client;
    },
  };
}

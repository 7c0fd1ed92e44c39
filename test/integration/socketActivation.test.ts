import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, connectClient, type Era, tempDir } from '../helpers/agentProcess.js';
import { isGone } from '../helpers/toolAssertions.js';

/** Opens a listening socket and starts a command with it as fd 3 and LISTEN_FDS=1, like systemd. */
const LAUNCHER = resolve(import.meta.dirname, '../helpers/socketLauncher.mjs');

interface AgentExit {
  code: number | null;
  signal: string | null;
  /** Date.now() when the launcher reported the exit. */
  at: number;
}

interface Launched {
  /** The port of the socket the launcher made and passed; the agent never binds one itself. */
  port: number;
  agentPid: number;
  stderr(): string;
  exited: Promise<AgentExit>;
  /** The launcher's own exit code (it exits with the agent's). */
  launcherExit: Promise<number | null>;
  stop(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `mcp-fleet agent ARGS` on a socket passed by the launcher. */
async function launch(agentArgs: string[], options: { token?: string } = {}): Promise<Launched> {
  const dir = tempDir();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MCP_FLEET_') && !key.startsWith('LISTEN_')) env[key] = value;
  }
  env.MCP_FLEET_STATE_DIR = dir;
  if (options.token !== undefined) env.MCP_FLEET_TOKEN = options.token;
  const launcher: ChildProcess = spawn(
    process.execPath,
    [LAUNCHER, process.execPath, BIN, 'agent', '--audit-log', join(dir, 'audit.jsonl'), ...agentArgs],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  launcher.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const launcherExit = new Promise<number | null>((res) => launcher.once('exit', (code) => res(code)));
  let out = '';
  let onStarted: (value: { port: number; pid: number }) => void = () => {};
  let onExit: (value: AgentExit) => void = () => {};
  const started = new Promise<{ port: number; pid: number }>((res) => {
    onStarted = res;
  });
  const exited = new Promise<AgentExit>((res) => {
    onExit = res;
  });
  launcher.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    for (;;) {
      const newline = out.indexOf('\n');
      if (newline < 0) break;
      const message = JSON.parse(out.slice(0, newline)) as {
        port?: number;
        pid?: number;
        exit?: number | null;
        signal?: string | null;
      };
      out = out.slice(newline + 1);
      if (message.port !== undefined && message.pid !== undefined)
        onStarted({ port: message.port, pid: message.pid });
      if ('exit' in message)
        onExit({ code: message.exit ?? null, signal: message.signal ?? null, at: Date.now() });
    }
  });
  const gone = launcherExit.then(() => {
    throw new Error(`launcher exited before starting the agent: ${err}`);
  });
  const { port, pid } = await withTimeout(Promise.race([started, gone]), 15_000, 'the launcher');
  gone.catch(() => {});
  return {
    port,
    agentPid: pid,
    stderr: () => err,
    exited,
    launcherExit,
    async stop() {
      if (launcher.exitCode === null && launcher.signalCode === null) {
        launcher.kill('SIGTERM'); // passed on to the agent
        await withTimeout(launcherExit, 5000, 'the launcher to stop').catch(() => {
          launcher.kill('SIGKILL');
        });
      }
      if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}

const TOKEN = 'socket-activation-test-token';

describe('socket activation (stand-in for systemd: no systemd as PID 1 here)', () => {
  it('serves MCP on the passed socket, to clients of both eras, behind the token', async () => {
    const agent = await launch([], { token: TOKEN });
    try {
      const url = `http://127.0.0.1:${agent.port}/mcp`;
      for (const era of ['legacy', 'modern'] as Era[]) {
        const client = await connectClient(url, TOKEN, era);
        try {
          expect(client.getProtocolEra()).toBe(era);
          const result = await client.callTool({ name: 'exec', arguments: { argv: ['echo', 'activated'] } });
          expect(result.isError).toBeFalsy();
          expect(result.structuredContent).toMatchObject({ exit_code: 0, stdout: 'activated\n' });
        } finally {
          await client.close();
        }
      }
      const anonymous = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      expect(anonymous.status).toBe(401);
      await anonymous.body?.cancel();

      const listening = agent
        .stderr()
        .split('\n')
        .find((line) => line.includes('"msg":"agent listening"'));
      expect(JSON.parse(listening ?? '{}')).toMatchObject({ socket_activated: true, url });
    } finally {
      await agent.stop();
    }
    expect(await agent.exited).toMatchObject({ code: 0, signal: null });
  });

  it('refuses to start on a passed socket without a token: exit 2', async () => {
    const agent = await launch([]);
    try {
      const exit = await withTimeout(agent.exited, 15_000, 'the agent to exit');
      expect(exit).toMatchObject({ code: 2, signal: null });
      expect(await withTimeout(agent.launcherExit, 5000, 'the launcher to exit')).toBe(2);
      expect(agent.stderr()).toMatch(/^mcp-fleet: refusing to serve on a passed socket without a token/m);
    } finally {
      await agent.stop();
    }
  });

  it.each<Era>(['legacy', 'modern'])(
    'with --idle-exit 1 exits by itself, with code 0, about 1 s after the last request (%s client)',
    async (era) => {
      const agent = await launch(['--idle-exit', '1'], { token: TOKEN });
      try {
        const client = await connectClient(`http://127.0.0.1:${agent.port}/mcp`, TOKEN, era);
        const { tools } = await client.listTools();
        expect(tools.length).toBeGreaterThan(0);
        await client.close();
        const lastRequest = Date.now();

        const exit = await withTimeout(agent.exited, 10_000, 'the idle exit');
        expect(exit).toMatchObject({ code: 0, signal: null });
        expect(exit.at - lastRequest).toBeGreaterThanOrEqual(800);
        expect(exit.at - lastRequest).toBeLessThan(10_000);
        expect(await withTimeout(agent.launcherExit, 5000, 'the launcher to exit')).toBe(0);
        expect(agent.stderr()).toContain('"msg":"idle, exiting"');
        expect(isGone(agent.agentPid)).toBe(true);
      } finally {
        await agent.stop();
      }
    },
  );

  it('with --idle-exit 1 does not exit while a 2 s exec call is in flight', async () => {
    const agent = await launch(['--idle-exit', '1'], { token: TOKEN });
    try {
      let exitedEarly = false;
      void agent.exited.then(() => {
        exitedEarly = true;
      });
      const client = await connectClient(`http://127.0.0.1:${agent.port}/mcp`, TOKEN);
      const result = await client.callTool({ name: 'exec', arguments: { argv: ['sleep', '2'] } });
      const returned = Date.now();
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ exit_code: 0, timed_out: false });
      expect((result.structuredContent as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(1900);
      expect(exitedEarly).toBe(false);
      expect(isGone(agent.agentPid)).toBe(false);
      await client.close();

      const exit = await withTimeout(agent.exited, 10_000, 'the idle exit');
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.at - returned).toBeGreaterThanOrEqual(800);
    } finally {
      await agent.stop();
    }
  });
});

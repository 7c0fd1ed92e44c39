import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { type Client, SdkHttpError } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  BIN,
  cleanEnv,
  connectClient,
  freePort,
  runCli,
  type ServerProcess,
  spawnServer,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  fleetByDevice,
  readAudit,
  removeDir,
  sleep,
  structuredOf,
  waitFor,
} from '../helpers/toolAssertions.js';

/** What one raw connection saw: the first line the server sent, and whether it was the one to close. */
interface LorisOutcome {
  statusLine: string;
  closedByServer: boolean;
}

/**
 * A slow-loris client: connects, sends `head` at once, then `text` one byte per `everyMs`, never
 * finishing the request, until the server closes the connection. Bounded: once `text` is all
 * sent it stops and closes the socket itself (then `closedByServer` is false).
 */
function slowLoris(
  port: number,
  text: string,
  everyMs: number,
  head = '',
): { socket: Socket; done: Promise<LorisOutcome> } {
  const socket = connect(port, '127.0.0.1');
  if (head) socket.write(head);
  let received = '';
  let sent = 0;
  let gaveUp = false;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const timer = setInterval(() => {
    if (socket.destroyed) return;
    if (sent >= text.length) {
      gaveUp = true;
      socket.destroy();
      return;
    }
    socket.write(text.slice(sent, sent + 1));
    sent += 1;
  }, everyMs);
  const done = new Promise<LorisOutcome>((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', closedByServer: !gaveUp });
    });
  });
  return { socket, done };
}

/** Request headers that would take 200 × 400 ms = 80 s to send in full: longer than any server deadline. */
const SLOW_HEADERS = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(160)}`;

/** Whole, authenticated headers announcing a body that then comes a byte at a time (80 s in full). */
const bodyHead = (port: number, token: string) =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
  'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
  'Content-Length: 4000\r\n\r\n';
const SLOW_BODY = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"${'b'.repeat(150)}`;

const tally = (outcomes: LorisOutcome[]) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.statusLine || '(nothing)'}${o.closedByServer ? '' : ' (never closed by the server)'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('slow-loris clients', () => {
  let agent: AgentHandle;
  let hub: HubHandle;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    agent = await startAgent();
    const devices = agentDevices([{ name: 'a', agent }]);
    hub = await startHub({ config: devices.yaml, env: devices.env });
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await hub?.stop();
    await disposeAgent(agent);
    removeDir(hub?.dir);
  });

  it.concurrent('the hub answers real clients while 200 connections trickle headers, then cuts them with 408', async () => {
    const loris = Array.from({ length: 200 }, () => slowLoris(hub.port, SLOW_HEADERS, 400));
    sockets.push(...loris.map((l) => l.socket));
    // A slow body from a client that has the token: the headers are fine, the body never ends.
    const body = slowLoris(hub.port, SLOW_BODY, 400, bodyHead(hub.port, hub.token));
    sockets.push(body.socket);
    await sleep(2000); // every slow connection is open and trickling
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connectClient(hub.url, hub.token, era);
      try {
        const result = await client.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'a', argv: ['echo', era] },
        });
        expect(fleetByDevice(result).get('a')?.result?.stdout).toBe(`${era}\n`);
      } finally {
        await client.close();
      }
    }
    expect(loris.filter((l) => l.socket.destroyed)).toHaveLength(0); // they were all still open
    // headersTimeout (30 s), checked every 5 s: each trickling connection gets 408 and is closed.
    const outcomes = await Promise.all(loris.map((l) => l.done));
    expect(tally(outcomes)).toEqual({ 'HTTP/1.1 408 Request Timeout': 200 });
    // The body deadline (30 s) closes the authenticated trickler too, without an answer.
    expect(await body.done).toEqual({ statusLine: '', closedByServer: true });
    expect(hub.child.exitCode).toBeNull();
    const after = await connectClient(hub.url, hub.token, 'modern');
    try {
      const devices = await after.callTool({ name: 'fleet_devices', arguments: {} });
      expect(structuredOf(devices).summary).toBe('1 device: 1 up');
    } finally {
      await after.close();
    }
  }, 120_000);

  it.concurrent('the agent cuts trickled headers with 408 and a trickled body by closing, and keeps answering', async () => {
    const loris = Array.from({ length: 50 }, () => slowLoris(agent.port, SLOW_HEADERS, 400));
    sockets.push(...loris.map((l) => l.socket));
    const body = slowLoris(agent.port, SLOW_BODY, 400, bodyHead(agent.port, agent.token));
    sockets.push(body.socket);
    await sleep(2000);
    const client = await connectClient(agent.url, agent.token, 'modern');
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    expect(tally(await Promise.all(loris.map((l) => l.done)))).toEqual({
      'HTTP/1.1 408 Request Timeout': 50,
    });
    expect(await body.done).toEqual({ statusLine: '', closedByServer: true });
    expect(agent.child.exitCode).toBeNull();
  }, 120_000);
});

/** A hub on a port and directory of the test's choosing, so it can be restarted in place. */
function hubAt(
  dir: string,
  port: number,
  token: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  return spawnServer(
    [
      BIN,
      'hub',
      '--config',
      join(dir, 'fleet.yaml'),
      '--listen',
      `127.0.0.1:${port}`,
      '--state-dir',
      join(dir, 'state'),
    ],
    { ...cleanEnv(), MCP_FLEET_TOKEN: token, ...env },
    port,
    'hub',
  );
}

/** The state files the hub keeps, parsed (a torn or half-written file would throw here). */
function stateFiles(stateDir: string): { enrolled: unknown; joinTokens: unknown; leftovers: string[] } {
  return {
    enrolled: JSON.parse(readFileSync(join(stateDir, 'enrolled.json'), 'utf8')),
    joinTokens: JSON.parse(readFileSync(join(stateDir, 'join-tokens.json'), 'utf8')),
    leftovers: readdirSync(stateDir).filter((f) => /\.tmp|~$/.test(f)),
  };
}

describe('the hub restarted while clients are connected', () => {
  let agent: AgentHandle;
  let dir: string;
  let marks: string;
  let port: number;
  let hub: ServerProcess | undefined;
  let env: Record<string, string>;
  const token = `hub-token-${Math.random().toString(36).slice(2)}`;
  const clients: Client[] = [];
  let url: string;
  let stateDir: string;
  let before: ReturnType<typeof stateFiles>;

  const open = async (era: 'legacy' | 'modern') => {
    const client = await connectClient(url, token, era);
    clients.push(client);
    return client;
  };
  const echo = (client: Client, text: string) =>
    client.callTool({ name: 'fleet_exec', arguments: { targets: 'a', argv: ['echo', text] } });
  /** A call that marks when it started on the agent, then runs long. */
  const long = (client: Client, marker: string, options: { timeout?: number } = {}) =>
    client.callTool(
      {
        name: 'fleet_exec',
        arguments: {
          targets: 'a',
          argv: ['sh', '-c', `touch ${marks}/${marker}; sleep 20; echo late`],
          timeout_s: 60,
        },
      },
      options,
    );
  const started = (marker: string) => readdirSync(marks).includes(marker);
  const auditLines = () => readAudit(join(stateDir, 'audit.jsonl'));
  const withMarker = (marker: string) =>
    auditLines().filter((l) => (l.args as { argv?: string[] }).argv?.some((a) => a.includes(marker)));

  beforeAll(async () => {
    agent = await startAgent();
    const devices = agentDevices([{ name: 'a', agent }]);
    env = devices.env;
    dir = tempDir('mcpf-hub-restart-');
    marks = tempDir('mcpf-marks-');
    stateDir = join(dir, 'state');
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `${devices.yaml}\nfanout: { device_timeout_s: 10, deadline_s: 120 }\n`,
    );
    port = await freePort();
    url = `http://127.0.0.1:${port}/mcp`;
    hub = await hubAt(dir, port, token, env);
    // State the hub wrote itself: an enrolled device (and the join token it used up), plus a pending one.
    const join1 = JSON.parse(
      (await runCli(['token', 'create', '--join', '--json', '--state-dir', stateDir], cleanEnv())).stdout,
    ) as { token: string };
    await runCli(['token', 'create', '--join', '--json', '--state-dir', stateDir], cleanEnv());
    const agentState = tempDir('mcpf-edge-');
    const joined = await runCli(['agent', 'join', url, '--name', 'edge', '--advertise', agent.url], {
      ...cleanEnv(),
      MCP_FLEET_JOIN_TOKEN: join1.token,
      MCP_FLEET_STATE_DIR: agentState,
    });
    removeDir(agentState);
    expect(joined.stdout).toContain('enrolled as edge');
    before = stateFiles(stateDir);
    expect(Object.keys((before.enrolled as { devices: object }).devices)).toEqual(['edge']);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  });

  afterAll(async () => {
    await hub?.stop();
    await disposeAgent(agent);
    removeDir(dir);
    removeDir(marks);
  });

  it('SIGTERM: calls in flight are answered (CANCELLED) and audited; after the restart a modern client goes on, a legacy one is told its session is gone', async () => {
    const modern = await open('modern');
    const legacy = await open('legacy');
    expect(fleetByDevice(await echo(modern, 'm1')).get('a')?.result?.stdout).toBe('m1\n');
    expect(fleetByDevice(await echo(legacy, 'l1')).get('a')?.result?.stdout).toBe('l1\n');
    const inFlight = [long(modern, 'term-modern'), long(legacy, 'term-legacy')];
    await waitFor('both calls running on the agent', () => started('term-modern') && started('term-legacy'));

    await hub?.stop('SIGTERM');
    expect(hub?.child.exitCode).toBe(0);
    for (const result of await Promise.all(inFlight)) {
      expect(fleetByDevice(result).get('a')?.error).toEqual({
        code: 'CANCELLED',
        message: 'a: the hub closed its connection (shutting down, or the device left the inventory)',
      });
    }
    // Every line is whole JSON (readAudit parses each), and the cancelled calls have theirs.
    for (const marker of ['term-modern', 'term-legacy']) {
      const lines = withMarker(marker);
      expect(lines).toHaveLength(1);
      expect(lines[0]?.devices).toEqual({ a: 'CANCELLED' });
      expect(lines[0]?.outcome).toBe('error');
    }
    expect(readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').endsWith('\n')).toBe(true);
    expect(stateFiles(stateDir)).toEqual(before);

    hub = await hubAt(dir, port, token, env);
    // 2026-07-28 is stateless: the same client object simply goes on.
    expect(fleetByDevice(await echo(modern, 'm2')).get('a')?.result?.stdout).toBe('m2\n');
    // A 2025-era session lived in the old process: 404 with JSON-RPC error -32001, as the spec says.
    const refused = await echo(legacy, 'l2').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SdkHttpError);
    expect((refused as SdkHttpError).status).toBe(404);
    expect(JSON.parse(String((refused as SdkHttpError).data.text))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32001, message: 'Session not found' },
    });
    const again = await open('legacy');
    expect(fleetByDevice(await echo(again, 'l3')).get('a')?.result?.stdout).toBe('l3\n');
    const listed = structuredOf(await again.callTool({ name: 'fleet_devices', arguments: {} }))
      .devices as Array<{
      name: string;
      source: string;
    }>;
    expect(listed.map((d) => [d.name, d.source])).toEqual([
      ['a', 'config'],
      ['edge', 'enrolled'],
    ]);
  }, 90_000);

  it('SIGKILL: only the calls in flight are lost; every audit line is whole and the state files intact', async () => {
    const modern = await open('modern');
    const legacy = await open('legacy');
    expect(fleetByDevice(await echo(modern, 'kill-done-m')).get('a')?.ok).toBe(true);
    expect(fleetByDevice(await echo(legacy, 'kill-done-l')).get('a')?.ok).toBe(true);
    const linesBefore = auditLines().length;
    const modernCall = long(modern, 'kill-modern').then(
      () => 'answered',
      () => 'failed',
    );
    // Once its stream is cut a 2025-era client hears nothing more; its own timeout bounds the wait.
    const legacyCall = long(legacy, 'kill-legacy', { timeout: 5000 }).then(
      () => 'answered',
      (error: unknown) => (error as { code?: string }).code,
    );
    await waitFor('both calls running on the agent', () => started('kill-modern') && started('kill-legacy'));

    await hub?.stop('SIGKILL');
    expect(hub?.child.signalCode).toBe('SIGKILL');
    expect(await modernCall).toBe('failed');
    expect(await legacyCall).toBe('REQUEST_TIMEOUT');
    // Whole lines only (readAudit parses each); the finished calls are there, the cut ones are not.
    expect(auditLines()).toHaveLength(linesBefore);
    expect(withMarker('kill-done-m')).toHaveLength(1);
    expect(withMarker('kill-done-l')).toHaveLength(1);
    expect(withMarker('kill-modern')).toEqual([]);
    expect(stateFiles(stateDir)).toEqual(before);
    expect(statSync(join(stateDir, 'enrolled.json')).mode & 0o777).toBe(0o600);
    // The agent noticed its caller went away and cancelled the commands (nothing left running).
    await waitFor(
      'the agent’s CANCELLED audit lines',
      () =>
        ['kill-modern', 'kill-legacy'].every((m) =>
          readAudit(agent.auditPath).some(
            (l) => l.error_code === 'CANCELLED' && JSON.stringify(l.args).includes(m),
          ),
        ),
      15_000,
    );

    hub = await hubAt(dir, port, token, env);
    expect(fleetByDevice(await echo(modern, 'after-kill')).get('a')?.result?.stdout).toBe('after-kill\n');
    expect(auditLines()).toHaveLength(linesBefore + 1);
  }, 90_000);
});

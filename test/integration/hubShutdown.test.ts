import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, tempDir } from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import { fleetByDevice, readAudit, removeDir, sleep } from '../helpers/toolAssertions.js';

/**
 * A "device" that accepts TCP and never answers a byte: the hub's connection to it stays in its
 * handshake until the connect timeout (10 s), like an agent that is SIGSTOPped or wedged.
 */
function blackHole(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      resolve({ server, port: address.port, sockets });
    });
  });
}

type BlackHole = Awaited<ReturnType<typeof blackHole>>;

/** Kills a hub the test did not get to stop, closes the black hole and every socket it took. */
function tearDown(hub: HubHandle | undefined, hole: BlackHole | undefined): void {
  if (hub?.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL');
  for (const s of hole?.sockets ?? []) s.destroy();
  hole?.server.close();
  removeDir(hub?.dir);
}

/** Sends the hub SIGTERM; resolves with its exit code. */
function terminate(hub: HubHandle): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => hub.child.once('exit', (code) => resolve(code)));
  hub.child.kill('SIGTERM');
  return exited;
}

describe('hub shutdown while a device connection is still being made', () => {
  let hole: BlackHole;
  let hub: HubHandle;
  const clients: Client[] = [];

  beforeAll(async () => {
    hole = await blackHole();
    hub = await startHub({
      // A call budget and heartbeats far longer than the test, so only the shutdown can end the call.
      config: `devices:
  hole: { url: "http://127.0.0.1:${hole.port}/mcp", token_env: TOKEN_HOLE }
fanout: { device_timeout_s: 120, deadline_s: 120 }
heartbeat: { interval_s: 600, timeout_s: 60 }
`,
      env: { TOKEN_HOLE: 'hole-token' },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    tearDown(hub, hole);
  });

  it('SIGTERM cancels the calls waiting for the connection at once, audits them and exits 0', async () => {
    const marker = `hole-${Date.now()}`;
    const eras = ['modern', 'legacy'] as const;
    for (const era of eras) clients.push(await connectClient(hub.url, hub.token, era));
    const calls = clients.map((client, i) =>
      client.callTool(
        { name: 'fleet_exec', arguments: { targets: 'hole', argv: ['echo', `${marker}-${eras[i]}`] } },
        { timeout: 60_000 },
      ),
    );
    // The calls reach the hub over loopback in milliseconds; then they wait on the black hole.
    await sleep(1000);
    expect(hole.sockets.length).toBeGreaterThan(0);

    const signalled = Date.now();
    const exited = terminate(hub);
    const [results, code] = await Promise.all([Promise.all(calls), exited]);
    // A correctness bound, not a performance budget: under 8 s proves the hub did not wait for
    // the 10 s connect timeout to give up on its own (the defect this guards against).
    expect(Date.now() - signalled).toBeLessThan(8000);
    expect(code).toBe(0);

    for (const result of results) {
      expect(fleetByDevice(result).get('hole')?.error).toEqual({
        code: 'CANCELLED',
        message: 'hole: the hub closed its connection (shutting down, or the device left the inventory)',
      });
    }
    for (const era of eras) {
      const lines = readAudit(hub.auditPath).filter((l) =>
        (l.args as { argv?: string[] }).argv?.includes(`${marker}-${era}`),
      );
      expect(lines).toHaveLength(1);
      expect(lines[0]?.devices).toEqual({ hole: 'CANCELLED' });
      expect(lines[0]?.outcome).toBe('error');
    }
  }, 60_000);
});

describe('hub shutdown while an SSH handshake is under way', () => {
  let hole: BlackHole;
  let hub: HubHandle;
  let client: Client | undefined;
  let keyDir: string | undefined;

  beforeAll(async () => {
    // An "SSH host" that accepts TCP and never sends its banner, as a stopped host does: the
    // handshake does not heed a call's abort, so only the endpoint's own close can answer.
    hole = await blackHole();
    keyDir = tempDir('mcpf-shutdown-key-');
    const key = join(keyDir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    hub = await startHub({
      config: `devices:
  box: { ssh: { host: 127.0.0.1, port: ${hole.port}, user: nobody, identity_file: ${key}, trust_on_first_use: true, connect_timeout_s: 120 } }
fanout: { device_timeout_s: 120, deadline_s: 120 }
heartbeat: { interval_s: 600, timeout_s: 60 }
`,
    });
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    tearDown(hub, hole);
    removeDir(keyDir);
  });

  it('SIGTERM answers the call CANCELLED, audits it and exits 0 without waiting for the handshake', async () => {
    const marker = `box-${Date.now()}`;
    client = await connectClient(hub.url, hub.token, 'modern');
    const call = client.callTool(
      { name: 'fleet_exec', arguments: { targets: 'box', argv: ['echo', marker] } },
      { timeout: 60_000 },
    );
    await sleep(1000);
    expect(hole.sockets.length).toBeGreaterThan(0);

    const signalled = Date.now();
    const exited = terminate(hub);
    const [result, code] = await Promise.all([call, exited]);
    // A correctness bound, not a performance budget: the handshake would wait 120 s on its own.
    expect(Date.now() - signalled).toBeLessThan(8000);
    expect(code).toBe(0);
    expect(fleetByDevice(result).get('box')?.error).toEqual({
      code: 'CANCELLED',
      message: 'box: the hub closed its connection (shutting down, or the device left the inventory)',
    });
    const lines = readAudit(hub.auditPath).filter((l) =>
      (l.args as { argv?: string[] }).argv?.includes(marker),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.devices).toEqual({ box: 'CANCELLED' });
  }, 60_000);
});

describe('hub shutdown with devices still queued behind the fan-out limit', () => {
  let hole: BlackHole;
  let hub: HubHandle;
  let client: Client | undefined;

  beforeAll(async () => {
    hole = await blackHole();
    const device = (name: string) =>
      `  ${name}: { url: "http://127.0.0.1:${hole.port}/mcp", token_env: TOKEN_HOLE }`;
    hub = await startHub({
      // One device at a time: when SIGTERM comes, h1 is waiting on its connection and h2, h3
      // have not started yet.
      config: `devices:
${['h1', 'h2', 'h3'].map(device).join('\n')}
fanout: { concurrency: 1, device_timeout_s: 120, deadline_s: 120 }
heartbeat: { interval_s: 600, timeout_s: 60 }
`,
      env: { TOKEN_HOLE: 'hole-token' },
    });
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    tearDown(hub, hole);
  });

  it('answers and audits the queued devices CANCELLED too, not as gone from the inventory', async () => {
    const marker = `queued-${Date.now()}`;
    client = await connectClient(hub.url, hub.token, 'modern');
    const call = client.callTool(
      { name: 'fleet_exec', arguments: { targets: 'h1,h2,h3', argv: ['echo', marker] } },
      { timeout: 60_000 },
    );
    await sleep(1000);
    // (Heartbeat probes hold connections too, one per device, so the count says nothing here.)
    expect(hole.sockets.length).toBeGreaterThan(0);
    const exited = terminate(hub);
    const [result, code] = await Promise.all([call, exited]);
    expect(code).toBe(0);
    const entries = fleetByDevice(result);
    for (const name of ['h1', 'h2', 'h3']) expect(entries.get(name)?.error?.code, name).toBe('CANCELLED');
    const lines = readAudit(hub.auditPath).filter((l) =>
      (l.args as { argv?: string[] }).argv?.includes(marker),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.devices).toEqual({ h1: 'CANCELLED', h2: 'CANCELLED', h3: 'CANCELLED' });
  }, 60_000);
});

import type { Server as HttpServer } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import {
  createHttpFront,
  createMcpServerFactory,
  type HttpFrontState,
  hashToken,
} from '../src/agent/index.js';
import { noAudit } from '../src/audit/index.js';
import { createLocalDevice } from '../src/device/index.js';
import { createLogger } from '../src/log/index.js';
import { PolicySchema } from '../src/policy/index.js';
import { createToolCatalog, createToolPipeline } from '../src/tools/index.js';
import { packageVersion } from '../src/version.js';

/** What the helper prints on stdout, one JSON line, once every port listens. */
export interface SimFleetPorts {
  live: number[];
  hung: number[];
}

export interface SimFleet extends SimFleetPorts {
  close(): Promise<void>;
}

const listen = (server: HttpServer | NetServer): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(address && typeof address === 'object' ? address.port : 0);
    });
  });

/**
 * A simulated fleet in this one process: `live` agent endpoints, each its own node:http server
 * on its own loopback port wired as `mcp-fleet agent` wires itself (HTTP front with bearer auth
 * → SDK handler → MCP server factory → tool pipeline → local device), and `hung` ports that
 * accept connections and never answer (the worst dead device: no refusal, no reset).
 *
 * Each endpoint has its own pipeline and MCP factory, because a real device has its own agent
 * and so its own in-flight limit (policy.limits.max_concurrent); one shared pipeline would
 * refuse a fan-out's 64 concurrent calls as if one agent had got them all. The catalogue and
 * the device (this machine, whose capabilities are detected once) are shared: they hold no
 * per-call state. No audit log is written (the hub's is; 1,000 files would measure the disk).
 */
export async function startSimFleet(options: {
  live: number;
  hung: number;
  token: string;
}): Promise<SimFleet> {
  const version = packageVersion();
  const logger = createLogger({ level: 'warn', name: 'sim-agents' });
  const device = createLocalDevice({ name: 'sim' });
  const catalog = createToolCatalog({
    status: { self: () => ({ version, pid: process.pid, rss_bytes: process.memoryUsage.rss() }) },
  });
  const policy = PolicySchema.parse({});
  const maxRequestBodySize = policy.limits.max_body_bytes;
  const state: HttpFrontState = {
    tokens: [{ name: 'hub', sha256: hashToken(options.token) }],
    insecure: false,
    guards: { loopbackOnly: true, allowedHosts: [], allowedOrigins: [] },
    maxBodyBytes: maxRequestBodySize,
  };

  const servers: HttpServer[] = [];
  const handlers: Array<{ close(): Promise<void> }> = [];
  const live: number[] = [];
  for (let i = 0; i < options.live; i++) {
    const pipeline = createToolPipeline({ catalog, device, policy: () => policy, audit: noAudit });
    const factory = createMcpServerFactory({ name: 'mcp-fleet-agent', version, device, pipeline });
    const handler = createMcpHandler(factory, { maxRequestBodySize, onerror: () => {} });
    const server = createHttpFront({
      mcp: toNodeHandler(handler, { maxRequestBodySize }),
      logger,
      state: () => state,
    });
    // As runAgent sets them: the hub keeps one connection per device open between heartbeats.
    server.requestTimeout = 0;
    server.headersTimeout = 30_000;
    server.keepAliveTimeout = 65_000;
    servers.push(server);
    handlers.push(handler);
    live.push(await listen(server));
  }

  const sockets = new Set<Socket>();
  const hungServers: NetServer[] = [];
  const hung: number[] = [];
  for (let i = 0; i < options.hung; i++) {
    const server = createServer((socket) => {
      // Read and drop whatever arrives, never write: the peer waits until its own timeout.
      sockets.add(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    hungServers.push(server);
    hung.push(await listen(server));
  }

  return {
    live,
    hung,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(handlers.map((h) => h.close().catch(() => {})));
      for (const server of servers) server.closeAllConnections();
      await Promise.all(
        [...servers, ...hungServers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

/** `node simAgents.js LIVE HUNG` with SIM_TOKEN set; exits when stdin closes (its parent went away) or on SIGTERM. */
async function main(argv: readonly string[]): Promise<void> {
  const live = Number(argv[0]);
  const hung = Number(argv[1] ?? 0);
  const token = process.env.SIM_TOKEN;
  if (!Number.isInteger(live) || !Number.isInteger(hung) || live < 0 || hung < 0 || !token) {
    process.stderr.write('usage: SIM_TOKEN=… node simAgents.js LIVE HUNG\n');
    process.exit(2);
  }
  const fleet = await startSimFleet({ live, hung, token });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void fleet.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  process.stdin.resume();
  const ports: SimFleetPorts = { live: fleet.live, hung: fleet.hung };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.js';
import { MAX_JSON_DEPTH } from './admission.js';
import { hashToken } from './auth.js';
import { createHttpFront } from './httpServer.js';

const TOKEN = 'front-test-token';

/**
 * Regressions found by fuzzing the agent (test/fuzz), at the front itself: the MCP handler is
 * a stand-in that answers like the SDK does (an event stream labelled `Connection: keep-alive`)
 * and echoes the parsed body it was handed.
 */
let server: Server;
let port = 0;
const seen: unknown[] = [];

beforeAll(async () => {
  server = createHttpFront({
    logger: createLogger({ level: 'silent' }),
    state: () => ({
      tokens: [{ name: 't', sha256: hashToken(TOKEN) }],
      insecure: false,
      guards: { loopbackOnly: true, allowedHosts: [], allowedOrigins: [] },
      maxBodyBytes: 4096,
    }),
    async mcp(_req, res, parsedBody) {
      seen.push(parsedBody);
      res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })}\n\n`);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * Writes raw request bytes and collects everything until the server closes (or 5 s pass).
 * `then` is written on the same connection once the first streamed answer has ended.
 */
function exchange(raw: string, then?: string): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let next = then;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer: false });
    }, 5000);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (next !== undefined && text.endsWith('\r\n0\r\n\r\n')) {
        socket.write(next);
        next = undefined;
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true });
    });
    socket.write(raw);
  });
}

function post(body: string, headers: Record<string, string> = {}, method = 'POST', version = '1.1'): string {
  const all: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    authorization: `Bearer ${TOKEN}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}`);
  return `${method} /mcp HTTP/${version}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

const statusOf = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

describe('agent HTTP front', () => {
  it('closes the connection after a streamed answer when the client sent Connection: close', async () => {
    const { text, closedByServer } = await exchange(post(PING, { connection: 'close' }));
    expect(statusOf(text)).toBe(200);
    expect(text).toMatch(/\r\n0\r\n\r\n$/);
    expect(closedByServer).toBe(true);
  });

  it('closes after answering an HTTP/1.0 request that did not ask for keep-alive', async () => {
    const { text, closedByServer } = await exchange(post(PING, {}, 'POST', '1.0'));
    expect(statusOf(text)).toBe(200);
    expect(closedByServer).toBe(true);
  });

  it('keeps a keep-alive connection open for the next request', async () => {
    const { text, closedByServer } = await exchange(post(PING), post(PING, { connection: 'close' }));
    expect(text.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(closedByServer).toBe(true);
  });

  it('refuses TRACE (which the SDK could not turn into a Request: a 500) with a JSON-RPC 405', async () => {
    for (const method of ['TRACE', 'PUT', 'PATCH', 'OPTIONS']) {
      const { text } = await exchange(post(PING, { connection: 'close' }, method));
      expect(statusOf(text)).toBe(405);
      expect(text).toMatch(/\r\nallow: GET, POST, DELETE\r\n/i);
      expect(text).toContain('"error":{"code":-32000,"message":"Method not allowed."}');
    }
  });

  it('refuses a malformed Host (the SDK builds a URL from it: a 500) with a JSON-RPC 400', async () => {
    for (const host of ['127.0.0.1:-1', '127.0.0.1:99999', '[::1', 'localhost:80x']) {
      const { text } = await exchange(post(PING, { host, connection: 'close' }));
      expect(statusOf(text)).toBe(400);
      expect(text).toContain('"message":"Bad Request: malformed Host header"');
    }
  });

  it(`refuses bodies nested deeper than ${MAX_JSON_DEPTH} levels with a JSON-RPC 400`, async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(2000)}${']'.repeat(2000)}}}`;
    const { text } = await exchange(post(deep, { connection: 'close' }));
    expect(statusOf(text)).toBe(400);
    expect(text).toContain('"code":-32600');
  });

  it('hands the SDK the parsed body, and answers bad JSON and oversized bodies itself', async () => {
    seen.length = 0;
    await exchange(post(`\uFEFF${PING}`, { connection: 'close' }));
    expect(seen).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    const bad = await exchange(post('{"jsonrpc":', { connection: 'close' }));
    expect(statusOf(bad.text)).toBe(400);
    expect(bad.text).toContain('"code":-32700');
    // Chunked, so only reading the body (not its declared length) shows it is over the limit.
    const body = `"${'x'.repeat(5000)}"`;
    const head = post('', { connection: 'close', 'transfer-encoding': 'chunked' }).replace(
      /content-length: 0\r\n/,
      '',
    );
    const big = await exchange(`${head}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    expect(statusOf(big.text)).toBe(413);
    expect(big.text).toContain('"code":-32000');
    expect(seen).toHaveLength(1);
  });
});

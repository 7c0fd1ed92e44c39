import { connect } from 'node:net';

/**
 * How the body is framed on the wire. `short` and `long` are Content-Length lies: `short`
 * declares fewer bytes than follow (the rest is garbage where the next request should start),
 * `long` declares more and then half-closes, so the server sees the body end early.
 */
export type Framing = 'length' | 'chunked' | 'short' | 'long';

/** One HTTP/1.1 request exactly as it goes on the wire; headers are written byte for byte (latin1). */
export interface WireRequest {
  method: string;
  path: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer;
  framing: Framing;
  /** How far a `short` or `long` Content-Length is off, in bytes (at least 1). */
  lie: number;
}

export interface WireResponse {
  /** 0 when the server closed (or reset) the connection without a status line. */
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** A long-lived SSE stream (GET) whose headers were read and which was then closed by us. */
  openStream: boolean;
}

/** The server neither answered nor closed the connection within the per-request timeout. */
export class HangError extends Error {}

function head(request: WireRequest): Buffer {
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const n = request.body.length;
  if (request.framing === 'chunked') lines.push('transfer-encoding: chunked');
  else if (request.framing === 'short') lines.push(`content-length: ${Math.max(0, n - request.lie)}`);
  else if (request.framing === 'long') lines.push(`content-length: ${n + request.lie}`);
  else lines.push(`content-length: ${n}`);
  // One request per connection: the answer ends when the server closes, and no state leaks
  // from one case into the next through a kept-alive socket.
  lines.push('connection: close');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

function chunked(body: Buffer): Buffer {
  const middle = Math.floor(body.length / 2);
  const parts = [body.subarray(0, middle), body.subarray(middle)].filter((p) => p.length > 0);
  const out: Buffer[] = [];
  for (const part of parts)
    out.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  out.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(out);
}

/** Splits `data` into status, headers and the raw rest; skips interim 1xx answers. */
function splitHead(data: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } | null {
  let buffer = data;
  for (let guard = 0; guard < 10; guard++) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const [statusLine = '', ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
    if (!Number.isInteger(status)) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
    const rest = buffer.subarray(end + 4);
    if (status >= 100 && status < 200) {
      buffer = rest;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    return { status, headers, rest };
  }
  throw new Error('more than 10 interim responses');
}

/** Decodes a chunked body; throws on malformed framing (a server defect, not a client one). */
function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('chunked body cut short (no chunk size line)');
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('malformed chunk size');
    if (size === 0) return Buffer.concat(out);
    const start = lineEnd + 2;
    if (start + size > data.length) throw new Error('chunked body cut short');
    out.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
  throw new Error('too many chunks');
}

function responseOf(data: Buffer, method: string): WireResponse {
  if (data.length === 0) return { status: 0, headers: {}, body: Buffer.alloc(0), openStream: false };
  const parsed = splitHead(data);
  if (!parsed) throw new Error(`response cut short in its head: ${JSON.stringify(data.toString('latin1'))}`);
  const { status, headers, rest } = parsed;
  let body = rest;
  // A HEAD answer describes a body it does not send; 204 and 304 have none either.
  if (method === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(rest);
  else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length) || length > rest.length) {
      throw new Error(`content-length ${headers['content-length']} but ${rest.length} bytes arrived`);
    }
    body = rest.subarray(0, length);
  }
  return { status, headers, body, openStream: false };
}

/**
 * Sends one request over a fresh loopback connection and reads the answer until the server
 * closes it (`connection: close`). A GET answered with an event stream is long-lived by design:
 * its head is read and the stream is closed. Rejects with HangError after `timeoutMs`.
 */
export function sendWire(port: number, request: WireRequest, timeoutMs: number): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new HangError(
              `no complete answer within ${timeoutMs} ms (got ${Buffer.concat(chunks).length} bytes: ` +
                `${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))})`,
            ),
          ),
        ),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (request.method !== 'GET') return;
      const parsed = splitHead(Buffer.concat(chunks));
      if (
        parsed &&
        parsed.status === 200 &&
        /^text\/event-stream/.test(parsed.headers['content-type'] ?? '')
      ) {
        finish(() => resolve({ status: 200, headers: parsed.headers, body: parsed.rest, openStream: true }));
      }
    });
    // A reset after (or instead of) the answer: whatever arrived is the answer.
    socket.on('error', () => {});
    socket.on('close', () => {
      finish(() => {
        try {
          resolve(responseOf(Buffer.concat(chunks), request.method));
        } catch (error) {
          reject(error);
        }
      });
    });
    socket.on('connect', () => {
      const body = request.framing === 'chunked' ? chunked(request.body) : request.body;
      socket.write(Buffer.concat([head(request), body]));
      // The declared length was never sent: end our side so the server sees the body stop.
      if (request.framing === 'long') socket.end();
    });
  });
}

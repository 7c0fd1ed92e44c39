import type { Client, Tool } from '@modelcontextprotocol/client';
import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { ServerSchema } from '../inventory/schema.js';
import type { DownstreamConnection, Listings, OpenConnectionOptions } from './downstreamConnection.js';
import { createDownstreamServer, type DownstreamDeps } from './downstreamServer.js';

const logger = pino({ level: 'silent' });
const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });
const listings = (...names: string[]): Listings => ({
  tools: names.map(tool),
  resources: [],
  resourceTemplates: [],
  prompts: [],
});

interface FakeConnection extends DownstreamConnection {
  end(reason: string): void;
  closed: boolean;
  calls: ReturnType<typeof vi.fn>;
}

function fakeConnection(initial: Listings, pid: number | null = 42): FakeConnection {
  let end: (reason: string) => void = () => {};
  const ended = new Promise<string>((resolve) => {
    end = resolve;
  });
  const calls = vi.fn(async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  const conn: FakeConnection = {
    client: { callTool: calls } as unknown as Client,
    transport: {} as DownstreamConnection['transport'],
    pid,
    legacy: false,
    listings: () => initial,
    ended,
    end: (reason) => end(reason),
    closed: false,
    calls,
    close: async () => {
      conn.closed = true;
      end('closed by the hub');
    },
  };
  return conn;
}

/** A harness whose `open` is scripted and whose timers run only when the test says so. */
function harness(raw: Record<string, unknown> = { command: 'srv' }, extra: Partial<DownstreamDeps> = {}) {
  const opens: OpenConnectionOptions[] = [];
  const results: (() => Promise<DownstreamConnection>)[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  let clock = 0;
  let changes = 0;
  const server = createDownstreamServer('srv', ServerSchema.parse(raw), {
    logger,
    onChange: () => {
      changes++;
    },
    backoff: { initialMs: 5, maxMs: 20, resetAfterMs: 1000 },
    now: () => clock,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cleared: false };
      timers.push(timer);
      return timer as unknown as NodeJS.Timeout;
    },
    clearTimer: (t) => {
      (t as unknown as { cleared: boolean }).cleared = true;
    },
    open: async (options) => {
      opens.push(options);
      await null; // the first attempt starts inside createDownstreamServer: let the test script it first
      const next = results.shift();
      return next ? next() : Promise.reject(new Error('no scripted result'));
    },
    ...extra,
  });
  return {
    server,
    opens,
    timers,
    changes: () => changes,
    succeed(conn: DownstreamConnection) {
      results.push(async () => conn);
    },
    fail(error: unknown) {
      results.push(async () => {
        throw error;
      });
    },
    advance(ms: number) {
      clock += ms;
    },
    /** Fires the newest pending timer (the retry) and lets the attempt settle. */
    async fire() {
      const timer = timers.at(-1);
      if (!timer || timer.cleared) throw new Error('no pending timer');
      timer.cleared = true;
      timer.fn();
      await settle();
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const opts = () => ({ signal: new AbortController().signal, timeoutMs: 1000 });

describe('createDownstreamServer', () => {
  it('does nothing for a disabled server and refuses its calls', async () => {
    const h = harness({ command: 'srv', enabled: false });
    expect(h.server.status()).toEqual({ state: 'disabled', restarts: 0, last_error: null, pid: null });
    expect(h.opens).toHaveLength(0);
    await expect(h.server.callTool('x', {}, opts())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await h.server.close();
    expect(h.server.status().state).toBe('disabled');
  });

  it('connects, publishes listings once, and reuses the one client for every call', async () => {
    const h = harness();
    const conn = fakeConnection(listings('a', 'b'));
    h.succeed(conn);
    expect(h.server.status().state).toBe('starting');
    await settle();
    expect(h.server.status()).toEqual({ state: 'ready', restarts: 0, last_error: null, pid: 42 });
    expect(h.server.tools().map((t) => t.name)).toEqual(['a', 'b']);
    expect(h.changes()).toBe(1);
    const progress: string[] = [];
    await h.server.callTool('a', { q: 1 }, { ...opts(), onProgress: (m) => progress.push(m) });
    await h.server.callTool('b', undefined, opts());
    expect(h.opens).toHaveLength(1);
    expect(conn.calls).toHaveBeenCalledTimes(2);
    const [params, options] = conn.calls.mock.calls[0] as unknown as [unknown, Record<string, unknown>];
    expect(params).toEqual({ name: 'a', arguments: { q: 1 } });
    expect(options).toMatchObject({ timeout: 1000, maxTotalTimeout: 1000 });
    (options.onprogress as (p: object) => void)({ progress: 1, total: 4 });
    (options.onprogress as (p: object) => void)({ progress: 2, message: 'half way' });
    expect(progress).toEqual(['1/4', 'half way']);
    expect(conn.calls.mock.calls[1]?.[0]).toEqual({ name: 'b' });
  });

  it('tells onChange only when a refresh changed something', async () => {
    const h = harness();
    h.succeed(fakeConnection(listings('a')));
    await settle();
    const onListings = h.opens[0]?.onListings;
    onListings?.(listings('a'));
    expect(h.changes()).toBe(1);
    onListings?.(listings('a', 'c'));
    expect(h.changes()).toBe(2);
    expect(h.server.tools().map((t) => t.name)).toEqual(['a', 'c']);
  });

  it('restarts a dropped connection with doubling backoff, failing calls fast meanwhile', async () => {
    const h = harness();
    const first = fakeConnection(listings('a'));
    h.succeed(first);
    await settle();
    first.end('exited with code 1');
    await settle();
    expect(h.server.status()).toMatchObject({
      state: 'restarting',
      last_error: 'exited with code 1',
      pid: null,
    });
    expect(h.server.tools().map((t) => t.name)).toEqual(['a']); // kept while down
    await expect(h.server.callTool('a', {}, opts())).rejects.toBeInstanceOf(FleetError);
    await expect(h.server.callTool('a', {}, opts())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(first.closed).toBe(true);

    h.fail(new Error('boom'));
    h.fail(new Error('boom'));
    h.fail(new Error('boom'));
    await h.fire();
    await h.fire();
    await h.fire();
    expect(h.timers.map((t) => t.ms)).toEqual([5, 10, 20, 20]);
    expect(h.server.status()).toMatchObject({ state: 'restarting', restarts: 3, last_error: 'boom' });

    h.succeed(fakeConnection(listings('a')));
    await h.fire();
    expect(h.server.status()).toMatchObject({ state: 'ready', restarts: 4, last_error: null });
  });

  it('starts the backoff over after a connection stayed up long enough', async () => {
    const h = harness();
    const first = fakeConnection(listings());
    h.succeed(first);
    await settle();
    first.end('crash');
    await settle();
    const second = fakeConnection(listings());
    h.succeed(second);
    await h.fire();
    second.end('crash');
    await settle();
    expect(h.timers.map((t) => t.ms)).toEqual([5, 10]);
    const third = fakeConnection(listings());
    h.succeed(third);
    await h.fire();
    h.advance(1000);
    third.end('crash');
    await settle();
    expect(h.timers.map((t) => t.ms)).toEqual([5, 10, 5]);
  });

  it('spaces retries at the maximum when the command does not exist', async () => {
    const h = harness();
    h.fail(new FleetError('EXEC_FAILED', 'command not found: srv', { errno: 'ENOENT' }));
    await settle();
    expect(h.server.status()).toMatchObject({ state: 'failed', last_error: 'command not found: srv' });
    expect(h.timers.map((t) => t.ms)).toEqual([20]);
  });

  it('skips the era probe after a stdio server failed it', async () => {
    const h = harness();
    h.fail(new SdkError(SdkErrorCode.EraNegotiationFailed, 'closed during probe'));
    await settle();
    h.succeed(fakeConnection(listings()));
    await h.fire();
    expect(h.opens.map((o) => o.legacy)).toEqual([false, true]);
  });

  it('maps a JSON-RPC error to UPSTREAM_ERROR and keeps the connection', async () => {
    const h = harness();
    const conn = fakeConnection(listings('a'));
    conn.calls.mockRejectedValueOnce(new ProtocolError(-32602, 'bad args'));
    h.succeed(conn);
    await settle();
    await expect(h.server.callTool('a', {}, opts())).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      data: { server: 'srv', rpc_code: -32602 },
    });
    expect(h.server.status().state).toBe('ready');
  });

  it('maps a timeout to TIMEOUT and an aborted call to CANCELLED', async () => {
    const h = harness();
    const conn = fakeConnection(listings('a'));
    conn.calls.mockRejectedValueOnce(new SdkError(SdkErrorCode.RequestTimeout, 'timed out'));
    h.succeed(conn);
    await settle();
    await expect(h.server.callTool('a', {}, opts())).rejects.toMatchObject({ code: 'TIMEOUT' });
    const abort = new AbortController();
    conn.calls.mockImplementationOnce(async () => {
      abort.abort();
      throw new Error('aborted');
    });
    await expect(h.server.callTool('a', {}, { signal: abort.signal, timeoutMs: 1000 })).rejects.toMatchObject(
      {
        code: 'CANCELLED',
      },
    );
    expect(h.server.status().state).toBe('ready');
  });

  it('reconnects when a call finds the connection gone', async () => {
    const h = harness({ url: 'http://127.0.0.1:1/mcp' });
    const conn = fakeConnection(listings('a'), null);
    conn.calls.mockRejectedValueOnce(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
    h.succeed(conn);
    await settle();
    await expect(h.server.callTool('a', {}, opts())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(h.server.status().state).toBe('restarting');
    expect(conn.closed).toBe(true);
    expect(h.timers).toHaveLength(1);
  });

  it('close() cancels a pending retry and stops for good', async () => {
    const h = harness();
    h.fail(new Error('boom'));
    await settle();
    await h.server.close();
    expect(h.timers[0]?.cleared).toBe(true);
    expect(h.server.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(h.server.tools()).toEqual([]);
    expect(h.opens).toHaveLength(1);
  });

  it('close() during a connection attempt aborts it and closes what it produced', async () => {
    const conn = fakeConnection(listings('a'));
    // This attempt completes only when aborted, like a handshake cut short by close().
    const h = harness(
      { command: 'srv' },
      {
        open: (options) =>
          new Promise((resolve) =>
            options.signal.addEventListener('abort', () => resolve(conn), { once: true }),
          ),
      },
    );
    expect(h.server.status().state).toBe('starting');
    await h.server.close();
    expect(conn.closed).toBe(true);
    expect(h.server.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(h.timers).toHaveLength(0);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../src/errors/index.js';
import { type ServerConfig, ServerSchema } from '../../src/hub/inventory/schema.js';
import {
  createDownstreamServer,
  createPassthrough,
  type DownstreamServer,
} from '../../src/hub/servers/index.js';
import { createLogger } from '../../src/log/index.js';
import { isGone, realTempDir, removeDir, waitUntil } from '../helpers/toolAssertions.js';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const CRASHING = join(FIXTURES, 'crashingServer.mjs');
const HTTP_SERVER = join(FIXTURES, 'httpServer.mjs');

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const signal = () => new AbortController().signal;
const opened: DownstreamServer[] = [];

function config(raw: Record<string, unknown>): ServerConfig {
  return ServerSchema.parse(raw);
}

function start(
  name: string,
  raw: Record<string, unknown>,
  extra: Partial<Parameters<typeof createDownstreamServer>[2]> = {},
): { server: DownstreamServer; config: ServerConfig; changes: () => number } {
  let changes = 0;
  const cfg = config(raw);
  const server = createDownstreamServer(name, cfg, {
    logger,
    onChange: () => {
      changes++;
    },
    connectTimeoutMs: 15_000,
    ...extra,
  });
  opened.push(server);
  return { server, config: cfg, changes: () => changes };
}

async function ready(server: DownstreamServer): Promise<void> {
  const ok = await waitUntil(() => server.status().state === 'ready', 20_000, 20);
  expect(ok, `${server.name} ready: ${JSON.stringify(server.status())}`).toBe(true);
}

/** Live processes whose command line contains `marker` (zombies excluded). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    if (cmdline.includes(marker) && !isGone(Number(name))) found.push(Number(name));
  }
  return found;
}

function textOf(result: { content?: unknown }): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.map((c) => c.text ?? '').join('');
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('stdio servers from node_modules', () => {
  let root: string;
  afterAll(() => removeDir(root));

  it('lists, calls, reads and gets through passthrough names', async () => {
    root = realTempDir('mcpf-hubsrv-');
    writeFileSync(join(root, 'hello.txt'), 'hello from the fleet\n');
    const everything = start('everything', { command: process.execPath, args: [EVERYTHING, 'stdio'] });
    const fs = start('fs', {
      command: process.execPath,
      args: [FILESYSTEM, root],
      tools: { exclude: ['write_file'] },
    });
    await Promise.all([ready(everything.server), ready(fs.server)]);
    expect(everything.changes()).toBeGreaterThan(0);
    expect(everything.server.status().pid).toBeGreaterThan(0);

    const passthrough = createPassthrough(
      new Map([
        ['everything', everything],
        ['fs', fs],
      ]),
      logger,
    );
    const names = passthrough.tools().map((t) => t.wire.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('fs__read_text_file');
    expect(names).not.toContain('fs__write_file');
    expect(passthrough.findTool('fs__write_file')).toBeUndefined();

    const echo = passthrough.findTool('everything__echo');
    expect(echo?.wire.description).toMatch(/^\[everything\] /);
    expect(echo?.wire.inputSchema).toEqual(
      everything.server.tools().find((t) => t.name === 'echo')?.inputSchema,
    );
    const echoed = await everything.server.callTool(
      echo?.tool ?? '',
      { message: 'hi' },
      {
        signal: signal(),
        timeoutMs: 10_000,
      },
    );
    expect(textOf(echoed)).toContain('hi');

    const read = passthrough.findTool('fs__read_text_file');
    const file = await fs.server.callTool(
      read?.tool ?? '',
      { path: join(root, 'hello.txt') },
      {
        signal: signal(),
        timeoutMs: 10_000,
      },
    );
    expect(file.isError).not.toBe(true);
    expect(textOf(file)).toContain('hello from the fleet');

    const listed = passthrough.resources()[0];
    expect(listed).toBeDefined();
    expect(passthrough.findResourceServer(listed?.uri ?? '')).toBe('everything');
    const contents = await everything.server.readResource(listed?.uri ?? '', { signal: signal() });
    expect(contents.contents[0]?.uri).toBe(listed?.uri);

    // Not listed, but matches everything's resource template: routed there.
    const templated = 'demo://resource/dynamic/text/7';
    expect(passthrough.findResourceServer(templated)).toBe('everything');
    const dynamic = await everything.server.readResource(templated, { signal: signal() });
    expect(dynamic.contents[0]?.uri).toBe(templated);

    const prompt = passthrough.findPrompt('everything__simple-prompt');
    expect(prompt).toEqual({ server: 'everything', prompt: 'simple-prompt' });
    const got = await everything.server.getPrompt(prompt?.prompt ?? '', undefined, { signal: signal() });
    expect(got.messages.length).toBeGreaterThan(0);
  });
});

describe('supervision', () => {
  it('restarts a server that crashes at once, 50 times, and leaves no process behind', async () => {
    const marker = `crash-${randomUUID()}`;
    const { server } = start(
      'crashy',
      { command: process.execPath, args: [CRASHING, marker, 'start'] },
      { backoff: { initialMs: 5, maxMs: 20 } },
    );
    const reached = await waitUntil(() => server.status().restarts >= 50, 60_000, 20);
    expect(reached, JSON.stringify(server.status())).toBe(true);
    expect(server.status().state).not.toBe('ready');
    expect(server.status().last_error).toBeTruthy();
    await server.close();
    expect(server.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(processesWith(marker)).toEqual([]);
    const after = server.status().restarts;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.status().restarts).toBe(after);
  });

  it('fails calls fast while a crashed server waits to restart', async () => {
    const marker = `late-${randomUUID()}`;
    const { server } = start(
      'late',
      { command: process.execPath, args: [CRASHING, marker, '300'] },
      { backoff: { initialMs: 60_000, maxMs: 60_000 } },
    );
    await ready(server);
    expect(server.tools().map((t) => t.name)).toEqual(['noop']);
    // The fixture answers tools/call with a JSON-RPC error: an upstream error, not a dead server.
    await expect(server.callTool('noop', {}, { signal: signal(), timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
    });
    const crashed = await waitUntil(() => server.status().state === 'restarting', 10_000, 20);
    expect(crashed).toBe(true);
    expect(server.status().last_error).toMatch(/exited with code 4/);
    const call = server.callTool('noop', {}, { signal: signal(), timeoutMs: 5000 });
    await expect(call).rejects.toBeInstanceOf(FleetError);
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // The last listing stays while the server is down.
    expect(server.tools().map((t) => t.name)).toEqual(['noop']);
    await server.close();
    expect(processesWith(marker)).toEqual([]);
  });

  it('close() kills a wrapper and the server it started', async () => {
    const marker = `wrap-${randomUUID()}`;
    // A non-interactive sh gives a background job /dev/null as stdin: hand it the real one via fd 3.
    const script = `exec 3<&0; "$0" "$1" stdio ${marker} 0<&3 3<&- & wait`;
    const { server } = start('wrapped', {
      command: 'sh',
      args: ['-c', script, process.execPath, EVERYTHING],
    });
    await ready(server);
    expect(server.tools().some((t) => t.name === 'echo')).toBe(true);
    const running = processesWith(marker);
    expect(running.length).toBe(2); // sh and the node server it started
    await server.close();
    expect(processesWith(marker)).toEqual([]);
  });
});

describe('HTTP servers', () => {
  let fixture: ChildProcess | undefined;
  afterAll(async () => {
    if (fixture && fixture.exitCode === null) {
      const exited = new Promise((r) => fixture?.once('exit', r));
      fixture.kill('SIGTERM');
      await exited;
    }
  });

  async function startFixture(token: string): Promise<number> {
    fixture = spawn(process.execPath, [HTTP_SERVER, token], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    fixture.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const up = await waitUntil(() => /PORT \d+/.test(out), 10_000, 20);
    expect(up, `fixture output: ${out}`).toBe(true);
    return Number(/PORT (\d+)/.exec(out)?.[1]);
  }

  it('calls a tool over Streamable HTTP with a bearer token and follows list changes', async () => {
    const token = `tok-${randomUUID()}`;
    const port = await startFixture(token);
    const url = `http://127.0.0.1:${port}/mcp`;
    const web = start('web', { url }, { token });
    await ready(web.server);
    expect(web.server.status().pid).toBeNull();

    const passthrough = createPassthrough(new Map([['web', web]]), logger);
    const greet = passthrough.findTool('web__greet');
    expect(greet?.wire.annotations?.readOnlyHint).toBe(true);
    const result = await web.server.callTool(
      greet?.tool ?? '',
      { name: 'bob' },
      { signal: signal(), timeoutMs: 10_000 },
    );
    expect(textOf(result)).toBe('hello bob (modern)'); // a 2026-era server: the era probe found it

    const before = web.changes();
    await web.server.callTool('add-tool', { name: 'extra' }, { signal: signal(), timeoutMs: 10_000 });
    const seen = await waitUntil(() => passthrough.findTool('web__extra') !== undefined, 10_000, 20);
    expect(seen).toBe(true);
    expect(web.changes()).toBeGreaterThan(before);

    const refused = start('refused', { url }, { token: 'wrong', backoff: { initialMs: 50, maxMs: 50 } });
    const failed = await waitUntil(() => refused.server.status().state === 'failed', 10_000, 20);
    expect(failed, JSON.stringify(refused.server.status())).toBe(true);
    await expect(
      refused.server.callTool('greet', { name: 'x' }, { signal: signal(), timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

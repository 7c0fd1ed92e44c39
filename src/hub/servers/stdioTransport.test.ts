import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { createStdioTransport, stdioChildEnv } from './stdioTransport.js';

describe('stdioChildEnv', () => {
  it('keeps a safe subset of the hub environment and adds the configured env', () => {
    const env = stdioChildEnv(
      {
        PATH: '/usr/bin',
        HOME: '/home/me',
        LANG: 'C.UTF-8',
        AWS_SECRET_ACCESS_KEY: 'secret',
        MCP_FLEET_TOKEN: 'hub-token',
        SHELL: '() { :; }',
      },
      { API_KEY: 'configured' },
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8', API_KEY: 'configured' });
  });

  it('lets the configured env override an inherited value', () => {
    expect(stdioChildEnv({ PATH: '/usr/bin' }, { PATH: '/opt/bin' }).PATH).toBe('/opt/bin');
  });
});

function collect(options: { script: string; lines?: Record<string, unknown>[] }) {
  const lines = options.lines ?? [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const transport = createStdioTransport({
    command: process.execPath,
    args: ['-e', options.script],
    env: stdioChildEnv(process.env, {}),
    logger,
  });
  const messages: JSONRPCMessage[] = [];
  let closes = 0;
  transport.onmessage = (m) => messages.push(m);
  transport.onclose = () => {
    closes++;
  };
  return { transport, messages, lines, closes: () => closes };
}

describe('StdioTransport', () => {
  it('frames messages both ways over the child process', async () => {
    // Echoes every stdin line back on stdout.
    const t = collect({
      script: "require('readline').createInterface({input: process.stdin}).on('line', l => console.log(l))",
    });
    await t.transport.start();
    expect(t.transport.pid).toBeGreaterThan(0);
    await t.transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    for (let i = 0; i < 200 && t.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.messages).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    await t.transport.close();
    expect(await t.transport.ended()).toBe(true);
    expect(t.closes()).toBe(1);
    await t.transport.close();
    expect(t.closes()).toBe(1);
    await expect(t.transport.send({ jsonrpc: '2.0', id: 2, method: 'ping' })).rejects.toThrow(/not running/);
  });

  it('reports how the process ended, with a bounded tail of its stderr', async () => {
    const script =
      "process.stderr.write('x'.repeat(5000)); process.stderr.write('\\nfatal: no config\\n'); process.exit(7)";
    const t = collect({ script });
    await t.transport.start();
    expect(await t.transport.ended()).toBe(true);
    const exit = t.transport.exit();
    expect(exit?.code).toBe(7);
    expect(exit?.stderrTail.endsWith('fatal: no config')).toBe(true);
    expect(exit?.stderrTail.length).toBeLessThanOrEqual(1000);
    const logged = t.lines.filter((l) => typeof l.stderr === 'string').map((l) => l.stderr as string);
    expect(logged.at(-1)).toBe('fatal: no config');
    expect(Math.max(...logged.map((l) => l.length))).toBeLessThanOrEqual(2000);
    expect(t.closes()).toBe(1);
  });

  it('fails start() with EXEC_FAILED when the command does not exist', async () => {
    const transport = createStdioTransport({
      command: '/nonexistent/mcp-server',
      args: [],
      env: {},
      logger: pino({ level: 'silent' }),
    });
    const started = transport.start();
    await expect(started).rejects.toBeInstanceOf(FleetError);
    await expect(started).rejects.toMatchObject({ code: 'EXEC_FAILED', data: { errno: 'ENOENT' } });
  });
});

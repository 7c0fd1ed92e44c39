import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, connectClient, runCli } from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import { removeDir, waitUntil } from '../helpers/toolAssertions.js';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const SAMPLES = resolve(import.meta.dirname, '../../src/cli/servers/samples');

const ENV = cleanEnv();
const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);

describe('mcp-fleet servers against a running hub', () => {
  let hub: HubHandle;
  let client: Client;

  beforeAll(async () => {
    hub = await startHub({ config: '# the fleet of this test\nservers: {}\n' });
    client = await connectClient(hub.url, hub.token);
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await hub?.stop();
    removeDir(hub?.dir);
  });

  it('adds a stdio server whose tools the hub then serves, disables it, and removes it', async () => {
    expect(await toolNames(client)).not.toContain('everything__echo');
    const added = await runCli(
      [
        'servers',
        'add',
        'everything',
        '--config',
        hub.configPath,
        '--command',
        process.execPath,
        '--arg',
        EVERYTHING,
        '--arg',
        'stdio',
      ],
      ENV,
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`added everything in ${hub.configPath}`);
    expect(readFileSync(hub.configPath, 'utf8')).toBe(
      `# the fleet of this test\nservers:\n  everything:\n    command: ${process.execPath}\n    args:\n      - ${EVERYTHING}\n      - stdio\n`,
    );
    expect(readFileSync(`${hub.configPath}.bak`, 'utf8')).toBe('# the fleet of this test\nservers: {}\n');
    const served = await waitUntil(
      async () => (await toolNames(client)).includes('everything__echo'),
      20_000,
      100,
    );
    expect(served, hub.stderr()).toBe(true);
    const echoed = await client.callTool({
      name: 'everything__echo',
      arguments: { message: 'through the hub' },
    });
    expect(JSON.stringify(echoed.content)).toContain('through the hub');

    const listed = await runCli(['servers', 'list', '--json', '--config', hub.configPath], ENV);
    expect(JSON.parse(listed.stdout).servers).toEqual([
      expect.objectContaining({
        name: 'everything',
        kind: 'stdio',
        command: process.execPath,
        enabled: true,
      }),
    ]);

    const disabled = await runCli(['servers', 'disable', 'everything', '--config', hub.configPath], ENV);
    expect(disabled.code).toBe(0);
    const gone = await waitUntil(
      async () => !(await toolNames(client)).includes('everything__echo'),
      20_000,
      100,
    );
    expect(gone, hub.stderr()).toBe(true);

    const removed = await runCli(['servers', 'remove', 'everything', '--config', hub.configPath], ENV);
    expect(removed.code).toBe(0);
    expect(readFileSync(hub.configPath, 'utf8')).toBe('# the fleet of this test\nservers: {}\n');
    const again = await runCli(['servers', 'remove', 'everything', '--config', hub.configPath], ENV);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`mcp-fleet: ${hub.configPath} has no server named everything\n`);
  }, 60_000);

  it('refuses flags that do not fit together, leaving fleet.yaml and the hub as they were', async () => {
    const before = readFileSync(hub.configPath, 'utf8');
    const refused = await runCli(
      ['servers', 'add', 'bad', '--config', hub.configPath, '--url', 'http://x', '--env', 'A=1'],
      ENV,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('apply to a command, not to a --url server');
    expect(readFileSync(hub.configPath, 'utf8')).toBe(before);
    expect(await toolNames(client)).toContain('fleet_devices');
  });
});

describe('mcp-fleet discover', () => {
  let api: Server;
  let base: string;
  beforeAll(async () => {
    const routes: Record<string, string> = {
      '/v0.1/servers': readFileSync(join(SAMPLES, 'registry-search.json'), 'utf8'),
      '/-/v1/search': readFileSync(join(SAMPLES, 'npm-search.json'), 'utf8'),
      '/downloads/point/last-week/weather-legacy-mcp': readFileSync(
        join(SAMPLES, 'npm-downloads-weather-legacy.json'),
        'utf8',
      ),
    };
    api = createServer((req, res) => {
      const body = routes[new URL(req.url ?? '/', 'http://x').pathname];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(body ?? '{}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => {
      api.close(() => r());
      api.closeAllConnections();
    });
  });

  it('prints the ranked table from both sources', async () => {
    const r = await runCli(
      ['discover', 'weather', '--registry-url', base, '--npm-url', base, '--downloads-url', base],
      ENV,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +SCORE +SOURCE +DESCRIPTION +INSTALL$/);
    const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names[0]).toBe('io.github.example/weather');
    expect([...names].sort()).toEqual(
      [
        '@acme/weather-mcp',
        'com.example/weather-remote',
        'io.github.example/weather',
        'io.github.oldie/weather-legacy',
        'io.github.py/weather-py',
        'tiny-weather-mcp',
      ].sort(),
    );
    expect(lines[1]).toMatch(
      /registry\+npm +Current weather and forecasts from OpenWeatherMap +mcp-fleet servers add --from-registry io\.github\.example\/weather$/,
    );
    const scores = lines.slice(1).map((l) => Number(l.split(/\s{2,}/)[1]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(r.stderr).toContain('malformed');
  });

  it('says in one line when no source answers', async () => {
    const closed = 'http://127.0.0.1:9';
    const r = await runCli(['discover', 'weather', '--registry-url', closed, '--npm-url', closed], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mcp-fleet: no source answered: the MCP Registry: cannot reach 127\.0\.0\.1:9/);
  });
});

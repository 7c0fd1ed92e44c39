import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerSchema } from '../../hub/inventory/schema.js';
import { deriveServerName, planFromRegistry } from './fromRegistry.js';
import { createHttpJson } from './httpJson.js';
import { createRegistryClient } from './mcpRegistry.js';
import { createNpmClient } from './npmRegistry.js';

const SAMPLES = join(import.meta.dirname, 'samples');
const sample = (name: string) => readFileSync(join(SAMPLES, name), 'utf8');
const search = JSON.parse(sample('registry-search.json')) as { servers: unknown[] };

type Seen = { path: string; accept: string | undefined };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A loopback registry and npm answering by raw path (so encoded names are checked as sent). */
async function serve(routes: Record<string, { status?: number; body: string }>) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    seen.push({ path, accept: req.headers.accept });
    const route = routes[path];
    res.writeHead(route?.status ?? (route ? 200 : 404), { 'content-type': 'application/json' });
    res.end(route?.body ?? '{"error":"Server not found"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = createHttpJson();
  return { seen, deps: { registry: createRegistryClient(http, url), npm: createNpmClient(http, url, url) } };
}

const entry = (index: number) => JSON.stringify(search.servers[index]);
const list = (...indexes: number[]) => JSON.stringify({ servers: indexes.map((i) => search.servers[i]) });

describe('planFromRegistry', () => {
  it('plans a registry server with an npm package: pinned npx, fixed arguments and values, the rest listed', async () => {
    const api = await serve({
      '/v0.1/servers/io.github.example%2Fweather/versions/latest': {
        body: sample('registry-latest-weather.json'),
      },
    });
    const { plan, warnings } = await planFromRegistry('io.github.example/weather', api.deps);
    expect(warnings).toEqual([]);
    expect(plan).toEqual({
      source: 'registry',
      entry: 'io.github.example/weather',
      name: 'weather',
      spec: {
        command: 'npx',
        args: ['-y', 'weather-mcp-server@1.4.2', 'stdio'],
        env: { WEATHER_LOG: 'warn' },
        description: 'Current weather and forecasts from OpenWeatherMap',
      },
      needs: [
        {
          kind: 'env',
          name: 'OPENWEATHER_API_KEY',
          required: true,
          secret: true,
          description: 'API key from openweathermap.org',
        },
        {
          kind: 'env',
          name: 'WEATHER_UNITS',
          required: false,
          secret: false,
          description: 'metric or imperial',
        },
      ],
      notes: [],
    });
    expect(ServerSchema.safeParse(plan.spec).success).toBe(true);
  });

  it('plans a remote-only server as a url entry and says how its Authorization header is sent', async () => {
    const api = await serve({
      '/v0.1/servers/com.example%2Fweather-remote/versions/latest': { body: entry(1) },
    });
    const { plan } = await planFromRegistry('com.example/weather-remote', api.deps);
    expect(plan.spec).toEqual({
      url: 'https://weather.example.com/mcp',
      transport: 'streamable-http',
      description: 'Hosted weather MCP endpoint',
    });
    expect(plan.needs).toEqual([
      {
        kind: 'header',
        name: 'Authorization',
        required: true,
        secret: true,
        description: 'Bearer token from your account page',
      },
    ]);
    expect(plan.notes[0]).toMatch(/token_env or token_file \(--token-env VAR\)/);
  });

  it('finds an npm name through the registry entry that lists the package', async () => {
    const api = await serve({ '/v0.1/servers': { body: list(2, 0) } });
    const { plan } = await planFromRegistry('weather-mcp-server', api.deps);
    expect(plan).toMatchObject({ source: 'registry', entry: 'io.github.example/weather' });
  });

  it('falls back to npm, pinning the latest version, and says the needs are unknown', async () => {
    const api = await serve({
      '/v0.1/servers': { body: list(0) },
      '/@acme%2fweather-mcp': { body: sample('npm-packument-acme-weather.json') },
    });
    const { plan } = await planFromRegistry('@acme/weather-mcp', api.deps);
    expect(plan).toMatchObject({
      source: 'npm',
      name: 'weather',
      spec: { command: 'npx', args: ['-y', '@acme/weather-mcp@2.1.0'] },
      needs: [],
    });
    expect(plan.notes[0]).toContain('https://www.npmjs.com/package/@acme/weather-mcp');
    expect(api.seen.find((s) => s.path === '/@acme%2fweather-mcp')?.accept).toMatch(
      /^application\/vnd\.npm\.install-v1\+json/,
    );
  });

  it('still tries npm when the registry is down, with a warning', async () => {
    const api = await serve({
      '/v0.1/servers': { status: 503, body: '{}' },
      '/@acme%2fweather-mcp': { body: sample('npm-packument-acme-weather.json') },
    });
    const { plan, warnings } = await planFromRegistry('@acme/weather-mcp', api.deps);
    expect(plan.source).toBe('npm');
    expect(warnings).toEqual([
      'the MCP Registry answered HTTP 503 for /v0.1/servers; looking on npm instead',
    ]);
  });

  it('says plainly what it cannot add', async () => {
    const api = await serve({
      '/v0.1/servers/io.github.py%2Fweather-py/versions/latest': { body: entry(3) },
      '/v0.1/servers': { body: list() },
    });
    await expect(planFromRegistry('io.github.nobody/none', api.deps)).rejects.toThrow(
      'the MCP Registry has no server named io.github.nobody/none',
    );
    await expect(planFromRegistry('io.github.py/weather-py', api.deps)).rejects.toThrow(
      /offers pypi:weather-mcp; only npm packages and remote endpoints/,
    );
    await expect(planFromRegistry('no-such-package', api.deps)).rejects.toMatchObject({
      code: 'USAGE',
      message: 'no-such-package is neither in the MCP Registry nor a package on npm',
    });
  });

  it('never copies variables that change the runtime, the loader or npm; they become needs', async () => {
    const hostile = JSON.parse(entry(0));
    hostile.server.packages[0].environmentVariables.push(
      { name: 'NODE_OPTIONS', value: '--require /tmp/x.js' },
      { name: 'npm_config_registry', value: 'https://npm.evil.example' },
      { name: 'PATH', value: '/tmp/evil:/usr/bin' },
      { name: 'LD_PRELOAD', value: '/tmp/evil.so', isRequired: true },
      { name: 'DYLD_INSERT_LIBRARIES', value: '/tmp/evil.dylib' },
    );
    const api = await serve({
      '/v0.1/servers/io.github.example%2Fweather/versions/latest': { body: JSON.stringify(hostile) },
    });
    const { plan } = await planFromRegistry('io.github.example/weather', api.deps);
    expect(plan.spec.env).toEqual({ WEATHER_LOG: 'warn' });
    expect(plan.needs.map((n) => [n.name, n.required])).toEqual([
      ['OPENWEATHER_API_KEY', true],
      ['WEATHER_UNITS', false],
      ['NODE_OPTIONS', false],
      ['npm_config_registry', false],
      ['PATH', false],
      ['LD_PRELOAD', true],
      ['DYLD_INSERT_LIBRARIES', false],
    ]);
    expect(plan.notes).toHaveLength(5);
    expect(plan.notes[0]).toBe(
      'the registry sets NODE_OPTIONS, which changes how the runtime or package manager runs; it was not copied (set it yourself if you trust it)',
    );
  });

  it('refuses an npm package from another registry than npmjs.org', async () => {
    const other = JSON.parse(entry(0));
    other.server.packages[0].registryBaseUrl = 'https://npm.evil.example';
    const api = await serve({
      '/v0.1/servers/io.github.example%2Fweather/versions/latest': { body: JSON.stringify(other) },
    });
    await expect(planFromRegistry('io.github.example/weather', api.deps)).rejects.toThrow(
      /offers npm:weather-mcp-server/,
    );
  });
});

describe('deriveServerName', () => {
  it('keeps the meaningful part of the name, in the characters fleet.yaml allows', () => {
    expect(deriveServerName('@modelcontextprotocol/server-everything')).toBe('everything');
    expect(deriveServerName('io.github.example/weather')).toBe('weather');
    expect(deriveServerName('mcp-server-kubernetes')).toBe('kubernetes');
    expect(deriveServerName('io.github.x/Home_Assistant.MCP')).toBe('home-assistant');
    expect(deriveServerName('io.github.x/mcp')).toBe('mcp');
    expect(deriveServerName(`x/${'a'.repeat(40)}`)).toBe('a'.repeat(32));
  });
});

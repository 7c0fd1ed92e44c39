import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discover } from './discover.js';
import { createHttpJson, type HttpJsonDeps } from './httpJson.js';
import { createRegistryClient } from './mcpRegistry.js';
import { createNpmClient } from './npmRegistry.js';

const SAMPLES = join(import.meta.dirname, 'samples');
const sample = (name: string) => readFileSync(join(SAMPLES, name), 'utf8');
const now = () => new Date('2026-08-15T00:00:00Z');

type Route = { status?: number; body?: string; hang?: boolean };
interface Served {
  url: string;
  requests: URL[];
  close(): Promise<void>;
}
const running: Served[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A loopback stand-in for the registry and npm, answering by path with the saved sample bodies. */
async function serve(routes: Record<string, Route>): Promise<Served> {
  const requests: URL[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const route = routes[url.pathname];
    if (route?.hang) {
      hanging.push(res);
      return;
    }
    res.writeHead(route?.status ?? (route ? 200 : 404), { 'content-type': 'application/json' });
    res.end(route?.body ?? '{"error":"Not Found"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const served: Served = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  running.push(served);
  return served;
}

const GOOD = {
  '/v0.1/servers': { body: sample('registry-search.json') },
  '/-/v1/search': { body: sample('npm-search.json') },
  '/downloads/point/last-week/weather-legacy-mcp': { body: sample('npm-downloads-weather-legacy.json') },
};

function clients(registryUrl: string, npmUrl: string, http: HttpJsonDeps = {}) {
  const h = createHttpJson(http);
  return { registry: createRegistryClient(h, registryUrl), npm: createNpmClient(h, npmUrl, npmUrl), now };
}

describe('discover', () => {
  it('merges both sources by package, drops what is not an MCP server for the query, and ranks by score', async () => {
    const api = await serve(GOOD);
    const { candidates, warnings } = await discover('weather', 10, clients(api.url, api.url));
    expect(candidates.map((c) => [c.name, c.score, c.sources.join('+')])).toEqual([
      ['io.github.example/weather', 92, 'registry+npm'],
      ['@acme/weather-mcp', 73, 'npm'],
      ['io.github.py/weather-py', 70, 'registry'],
      ['com.example/weather-remote', 40, 'registry'],
      ['io.github.oldie/weather-legacy', 35, 'registry'],
      ['tiny-weather-mcp', 4, 'npm'],
    ]);
    const [best, , python, remote, legacy] = candidates;
    expect(best).toMatchObject({
      npmPackage: 'weather-mcp-server',
      version: '1.4.2',
      weeklyDownloads: 5400,
      lastPublish: '2026-07-20T06:29:12.031Z',
      install: 'mcp-fleet servers add --from-registry io.github.example/weather',
    });
    expect(python?.install).toBe('by hand (pypi:weather-mcp)');
    expect(remote).toMatchObject({ remote: 'https://weather.example.com/mcp', npmPackage: null });
    // Deprecated: no registry points; its downloads come from the per-package count.
    expect(legacy).toMatchObject({ status: 'deprecated', weeklyDownloads: 42 });
    expect(legacy?.scoreParts.registry).toBe(0);
    expect(warnings).toEqual([
      'the MCP Registry sent 1 malformed server(s); they are left out',
      'the npm registry sent 1 malformed package(s); they are left out',
    ]);
    const registryQuery = api.requests.find((u) => u.pathname === '/v0.1/servers')?.searchParams;
    expect(Object.fromEntries(registryQuery ?? [])).toEqual({
      search: 'weather',
      limit: '30',
      version: 'latest',
    });
    const npmQuery = api.requests.find((u) => u.pathname === '/-/v1/search')?.searchParams;
    expect(Object.fromEntries(npmQuery ?? [])).toEqual({ text: 'weather mcp', size: '30' });
  });

  it('returns the best `limit` only', async () => {
    const api = await serve(GOOD);
    const { candidates } = await discover('weather', 2, clients(api.url, api.url));
    expect(candidates.map((c) => c.name)).toEqual(['io.github.example/weather', '@acme/weather-mcp']);
  });

  it('shows npm results with a warning when the registry fails', async () => {
    const api = await serve({
      ...GOOD,
      '/v0.1/servers': { status: 500, body: '{"title":"Internal Server Error"}' },
    });
    const { candidates, warnings } = await discover('weather', 10, clients(api.url, api.url));
    expect(candidates.map((c) => c.name)).toEqual([
      '@acme/weather-mcp',
      'weather-mcp-server',
      'tiny-weather-mcp',
    ]);
    expect(candidates.every((c) => c.sources.join() === 'npm')).toBe(true);
    expect(warnings[0]).toBe(
      'the MCP Registry answered HTTP 500 for /v0.1/servers; showing npm results only',
    );
  });

  it('treats a malformed body as a failed source', async () => {
    const api = await serve({ ...GOOD, '/-/v1/search': { body: '{"objects": "none"}' } });
    const { candidates, warnings } = await discover('weather', 10, clients(api.url, api.url));
    expect(candidates.every((c) => c.sources.join() === 'registry')).toBe(true);
    expect(warnings).toContain(
      'the npm registry sent an unexpected answer (objects: Invalid input: expected array, received string); showing MCP Registry results only',
    );
    const notJson = await serve({ ...GOOD, '/v0.1/servers': { body: '<html>maintenance</html>' } });
    const second = await discover('weather', 10, clients(notJson.url, notJson.url));
    expect(second.warnings[0]).toBe(
      'the MCP Registry sent something that is not JSON; showing npm results only',
    );
  });

  it('fails with one line when neither source answers', async () => {
    const api = await serve({});
    await api.close();
    const gone = api.url;
    const error = discover('weather', 10, clients(gone, gone));
    await expect(error).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(error).rejects.toThrow(
      `no source answered: the MCP Registry: cannot reach ${new URL(gone).host} (ECONNREFUSED); the npm registry: cannot reach ${new URL(gone).host} (ECONNREFUSED)`,
    );
  });

  it('gives up on a source that does not answer in time, and on an oversized body', async () => {
    const api = await serve({ ...GOOD, '/v0.1/servers': { hang: true } });
    const slow = await discover('weather', 10, clients(api.url, api.url, { timeoutMs: 200 }));
    expect(slow.warnings[0]).toBe(
      `the MCP Registry: no answer from ${new URL(api.url).host} within 0.2 s; showing npm results only`,
    );
    const small = await serve({ ...GOOD, '/v0.1/servers': { body: '{"servers": []}' } });
    const big = await discover('weather', 10, clients(small.url, small.url, { maxBytes: 1000 }));
    expect(big.warnings).toContain(
      'the npm registry sent more than 1000 bytes; showing MCP Registry results only',
    );
  });

  it('needs a query', async () => {
    const api = await serve(GOOD);
    await expect(discover('  ', 10, clients(api.url, api.url))).rejects.toMatchObject({ code: 'USAGE' });
  });
});

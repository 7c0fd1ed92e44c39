// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { describe, expect, it } from 'vitest';
import { TEST_LAUNCHER } from '../../test/helpers/clientsHome.js';
import { type ClientId, clientCatalog, locationOf, type Scope } from './catalog.js';
import {
  bearerEnvName,
  bearerLiteral,
  entryDrift,
  type HubEntrySpec,
  inferHubSpec,
  localHubUpArgs,
  mergeEntry,
  renderHubEntry,
  sameJson,
} from './hubEntry.js';

const catalog = clientCatalog({ home: '/h', platform: 'linux', env: {}, cwd: '/p' });
const at = (client: ClientId, scope: Scope = 'user') => locationOf(catalog, client, scope);
const HTTP: HubEntrySpec = { transport: 'http', url: 'http://hub:7420/mcp', tokenEnv: 'TOK' };
const render = (client: ClientId, spec: HubEntrySpec, scope: Scope = 'user') =>
  renderHubEntry(at(client, scope), spec, TEST_LAUNCHER);

describe('renderHubEntry', () => {
  it('starts mcp-fleet over stdio with the launcher, typed where the client wants a type', () => {
    const args = ['/opt/mcp-fleet/dist/src/bin/mcp-fleet.js', 'up', '--stdio'];
    expect(render('claude-desktop', { transport: 'stdio' })).toEqual({ command: '/usr/bin/node', args });
    expect(render('vscode', { transport: 'stdio' })).toEqual({
      type: 'stdio',
      command: '/usr/bin/node',
      args,
    });
    expect(render('claude-code', { transport: 'stdio', config: '/etc/fleet.yaml' })).toEqual({
      type: 'stdio',
      command: '/usr/bin/node',
      args: [...args, '--config', '/etc/fleet.yaml'],
    });
  });

  it("writes the token by reference in each client's own syntax", () => {
    expect(render('cursor', HTTP)).toEqual({
      url: HTTP.url,
      headers: { Authorization: 'Bearer ${env:TOK}' },
    });
    expect(render('vscode', HTTP)).toEqual({
      type: 'http',
      url: HTTP.url,
      headers: { Authorization: 'Bearer ${env:TOK}' },
    });
    expect(render('windsurf', HTTP)).toEqual({
      serverUrl: HTTP.url,
      headers: { Authorization: 'Bearer ${env:TOK}' },
    });
    expect(render('gemini', HTTP)).toEqual({
      httpUrl: HTTP.url,
      headers: { Authorization: 'Bearer ${TOK}' },
    });
    expect(render('claude-code', HTTP, 'project')).toEqual({
      type: 'http',
      url: HTTP.url,
      headers: { Authorization: 'Bearer ${TOK}' },
    });
    expect(render('codex', HTTP)).toEqual({ url: HTTP.url, bearer_token_env_var: 'TOK' });
  });

  it('writes a literal token only when given one', () => {
    const literal = { ...HTTP, token: 'mcpf_x' };
    expect(render('codex', literal)).toEqual({
      url: HTTP.url,
      http_headers: { Authorization: 'Bearer mcpf_x' },
    });
    expect(render('claude-code', literal)).toEqual({
      type: 'http',
      url: HTTP.url,
      headers: { Authorization: 'Bearer mcpf_x' },
    });
  });

  it('refuses what a client cannot take, saying what to do instead', () => {
    expect(() => render('claude-desktop', HTTP)).toThrow(/only stdio servers/);
    expect(() => render('claude-code', HTTP)).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: expect.stringMatching(/--scope project.*--token-literal/),
      }),
    );
    expect(() => render('claude-code', HTTP, 'local')).toThrow(/does not expand environment variables/);
  });
});

describe('drift and merge', () => {
  const desired = render('cursor', { transport: 'stdio' });

  it('compares only the keys install owns, in any order', () => {
    expect(entryDrift({ args: desired.args, command: desired.command, env: { A: '1' } }, desired)).toEqual(
      [],
    );
    expect(entryDrift({ command: '/old/node', args: desired.args }, desired)).toEqual(['command']);
    expect(entryDrift({ ...desired, url: 'http://x' }, desired)).toEqual(['url']);
    expect(entryDrift(undefined, desired)).toEqual(['command', 'args']);
  });

  it("keeps the operator's own keys of an entry and drops stale owned ones", () => {
    const merged = mergeEntry({ url: 'http://old', env: { DEBUG: '1' }, disabled: false }, desired);
    expect(merged).toEqual({ ...desired, env: { DEBUG: '1' }, disabled: false });
  });

  it('owns only the Authorization header of a header map, in any case', () => {
    const http = render('cursor', HTTP);
    const headers = { 'X-Tenant': 'lab', authorization: 'Bearer ${env:OLD}' };
    expect(
      entryDrift({ ...http, headers: { ...(http.headers as object), 'X-Tenant': 'lab' } }, http),
    ).toEqual([]);
    expect(entryDrift({ ...http, headers }, http)).toEqual(['headers']);
    expect(mergeEntry({ ...http, headers }, http)).toEqual({
      ...http,
      headers: { 'X-Tenant': 'lab', Authorization: 'Bearer ${env:TOK}' },
    });
    // Switching to stdio drops the Authorization header only.
    expect(mergeEntry({ ...http, headers }, desired)).toEqual({ ...desired, headers: { 'X-Tenant': 'lab' } });
    const codex = render('codex', { ...HTTP, token: 'mcpf_x' });
    expect(
      mergeEntry({ url: 'u', http_headers: { 'X-A': '1', Authorization: 'Bearer old' } }, codex),
    ).toEqual({
      ...codex,
      http_headers: { 'X-A': '1', Authorization: 'Bearer mcpf_x' },
    });
  });

  it('sameJson ignores key order and undefined members', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1, e: undefined })).toBe(
      true,
    );
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});

describe('reading an installed entry back', () => {
  it('parses bearer references and literals', () => {
    expect(bearerEnvName('Bearer ${env:TOK}')).toBe('TOK');
    expect(bearerEnvName('Bearer ${TOK}')).toBe('TOK');
    expect(bearerEnvName('Bearer $TOK')).toBe('TOK');
    expect(bearerEnvName('Bearer abc')).toBeUndefined();
    expect(bearerLiteral('Bearer abc')).toBe('abc');
    expect(bearerLiteral('Bearer ${TOK}')).toBeUndefined();
  });

  it('recognises a local mcp-fleet started over stdio, and nothing else', () => {
    expect(
      localHubUpArgs({ command: '/usr/bin/node', args: ['/o/mcp-fleet.js', 'up', '--stdio', '-v'] }),
    ).toEqual(['--stdio', '-v']);
    expect(
      localHubUpArgs({ command: '/usr/local/bin/mcp-fleet', args: ['up', '--stdio', '--config=/x'] }),
    ).toEqual(['--stdio', '--config=/x']);
    expect(
      localHubUpArgs({ command: 'C:\\node\\node.exe', args: ['C:\\m\\mcp-fleet.js', 'up', '--stdio'] }),
    ).toEqual(['--stdio']);
    for (const entry of [
      { command: 'npx', args: ['-y', 'mcp-remote', 'https://hub.example/mcp'] },
      { command: 'ssh', args: ['host', 'mcp-fleet', 'up', '--stdio'] },
      { command: 'npx', args: ['-y', 'mcp-fleet', 'up', '--stdio'] },
      { command: 'node', args: ['/o/mcp-fleet.js', 'up'] },
      { command: 'node', args: ['/o/mcp-fleet.js', 'status', '--stdio'] },
      { command: 'node', args: ['x.js', 'up', '--stdio'] },
      { url: 'http://127.0.0.1:7420/mcp' },
    ]) {
      expect(localHubUpArgs(entry)).toBeUndefined();
    }
    expect(inferHubSpec({ command: 'node', args: ['m.js', 'up', '--stdio', '--config=/f.yaml'] })).toEqual({
      transport: 'stdio',
      config: '/f.yaml',
    });
  });

  it('infers the spec of an entry written without install, keeping its URL and token', () => {
    expect(inferHubSpec({ command: 'node', args: ['x.js', 'up', '--stdio', '--config', '/f.yaml'] })).toEqual(
      {
        transport: 'stdio',
        config: '/f.yaml',
      },
    );
    expect(
      inferHubSpec({ serverUrl: 'http://h/mcp', headers: { Authorization: 'Bearer ${env:T}' } }),
    ).toEqual({
      transport: 'http',
      url: 'http://h/mcp',
      tokenEnv: 'T',
    });
    expect(inferHubSpec({ url: 'http://h/mcp', bearer_token_env_var: 'T' })).toMatchObject({ tokenEnv: 'T' });
    expect(inferHubSpec({ httpUrl: 'http://h/mcp', headers: { Authorization: 'Bearer s3cret' } })).toEqual({
      transport: 'http',
      url: 'http://h/mcp',
      token: 's3cret',
    });
  });
});

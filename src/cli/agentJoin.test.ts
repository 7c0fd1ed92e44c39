import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../agent/auth.js';
import { deviceNameFromHost, enrollEndpoint, type JoinDeps, runAgentJoin } from './agentJoin.js';

interface Seen {
  url: string;
  body: Record<string, unknown>;
}

function fakeHub(status: number, answer: unknown, seen: Seen[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

function deps(fetchImpl: typeof fetch, out: string[] = []): JoinDeps {
  return {
    env: {},
    fetch: fetchImpl,
    hostname: () => 'pi-3.lan',
    print: (line) => out.push(line),
    warn: (line) => out.push(`warn: ${line}`),
  };
}

const stateDir = () => mkdtempSync(join(tmpdir(), 'mcpf-join-cli-'));

describe('agent join', () => {
  it('derives device names from host names', () => {
    expect(deviceNameFromHost('pi-3.lan')).toBe('pi-3.lan');
    expect(deviceNameFromHost('Pi 3 (kitchen)')).toBe('Pi-3--kitchen-');
    expect(deviceNameFromHost('__x__y')).toBe('x_y');
    expect(deviceNameFromHost('***')).toBe('device');
    expect(deviceNameFromHost('a'.repeat(80))).toHaveLength(63);
  });

  it('finds /enroll at the hub origin whatever path the URL has', () => {
    expect(enrollEndpoint('http://hub:7420/mcp').href).toBe('http://hub:7420/enroll');
    expect(enrollEndpoint('https://hub.example/').href).toBe('https://hub.example/enroll');
    expect(() => enrollEndpoint('ftp://hub')).toThrow(/http/);
    expect(() => enrollEndpoint('not a url')).toThrow(/invalid hub URL/);
  });

  it('posts the request, stores only the hash (0600) and prints one line', async () => {
    const dir = stateDir();
    const seen: Seen[] = [];
    const out: string[] = [];
    const result = await runAgentJoin(
      {
        hubUrl: 'http://hub.lan:7420/mcp',
        token: 'mcpj_x',
        tags: 'lab, pis',
        stateDir: dir,
        listen: '0.0.0.0:9000',
      },
      deps(fakeHub(201, { device: 'pi-3.lan', credential: 'mcpf_cred' }, seen), out),
    );
    expect(seen).toEqual([
      {
        url: 'http://hub.lan:7420/enroll',
        body: {
          join_token: 'mcpj_x',
          name: 'pi-3.lan',
          url: 'http://pi-3.lan:9000/mcp',
          tags: ['lab', 'pis'],
        },
      },
    ]);
    expect(out).toEqual([
      "enrolled as pi-3.lan with http://hub.lan:7420; the agent accepts the hub's credential (restart or SIGHUP a running agent)",
    ]);
    const text = readFileSync(join(dir, 'tokens.json'), 'utf8');
    expect(text).not.toContain('mcpf_cred');
    expect(JSON.parse(text)).toEqual({ tokens: [{ name: 'hub-hub.lan', sha256: hashToken('mcpf_cred') }] });
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600);
    expect(result.tokenName).toBe('hub-hub.lan');
  });

  it('replaces the entry for the same hub and keeps the others', async () => {
    const dir = stateDir();
    const other = { name: 'hub-other', sha256: hashToken('o') };
    writeFileSync(
      join(dir, 'tokens.json'),
      JSON.stringify({ tokens: [other, { name: 'hub-hub', sha256: hashToken('old') }] }),
    );
    await runAgentJoin(
      { hubUrl: 'http://hub:7420', token: 'mcpj_x', stateDir: dir, advertise: 'http://me:8222/mcp' },
      deps(fakeHub(201, { device: 'me', credential: 'new' })),
    );
    expect(JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')).tokens).toEqual([
      other,
      { name: 'hub-hub', sha256: hashToken('new') },
    ]);
  });

  it('warns when the default advertise URL names a loopback listener', async () => {
    const out: string[] = [];
    await runAgentJoin(
      { hubUrl: 'http://hub:7420', token: 'mcpj_x', stateDir: stateDir() },
      deps(fakeHub(201, { device: 'd', credential: 'c' }), out),
    );
    expect(out[0]).toMatch(/^warn: .*127\.0\.0\.1/);
  });

  it('maps refusals to one-line operator errors and writes nothing', async () => {
    const dir = stateDir();
    const base = { hubUrl: 'http://hub:7420', token: 'mcpj_x', stateDir: dir, advertise: 'http://me:1/mcp' };
    const cases: [number, unknown, string, RegExp][] = [
      [401, { error: 'invalid or expired join token' }, 'UNAUTHORIZED', /refused the join token/],
      [409, { error: '"me" is already enrolled' }, 'USAGE', /already enrolled/],
      [400, { error: 'x', problems: [{ field: 'name', message: 'bad name' }] }, 'USAGE', /name: bad name/],
      [404, 'nope', 'USAGE', /no \/enroll endpoint/],
      [500, { error: 'boom' }, 'USAGE', /HTTP 500: boom/],
      [201, { device: 'me' }, 'USAGE', /without a credential/],
    ];
    for (const [status, answer, code, message] of cases) {
      const error = await runAgentJoin(base, deps(fakeHub(status, answer))).catch((e: unknown) => e);
      expect(error, String(status)).toMatchObject({ code, message: expect.stringMatching(message) });
      expect((error as Error).message).not.toContain('\n');
    }
    expect(() => readFileSync(join(dir, 'tokens.json'))).toThrow();
  });

  it('takes the token from MCP_FLEET_JOIN_TOKEN, and refuses to run without one', async () => {
    const seen: Seen[] = [];
    const d = {
      ...deps(fakeHub(201, { device: 'me', credential: 'c' }, seen)),
      env: { MCP_FLEET_JOIN_TOKEN: 'mcpj_env' },
    };
    await runAgentJoin({ hubUrl: 'http://hub:1', stateDir: stateDir(), advertise: 'http://me:1/mcp' }, d);
    expect(seen[0]?.body.join_token).toBe('mcpj_env');
    await expect(
      runAgentJoin({ hubUrl: 'http://hub:1', stateDir: stateDir() }, deps(fakeHub(201, {}))),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('MCP_FLEET_JOIN_TOKEN') });
  });

  it('checks name, tags and advertise URL before asking the hub', async () => {
    const seen: Seen[] = [];
    const hub = fakeHub(201, { device: 'x', credential: 'c' }, seen);
    const base = {
      hubUrl: 'http://hub:1',
      token: 'mcpj_x',
      stateDir: stateDir(),
      advertise: 'http://me:1/mcp',
    };
    await expect(runAgentJoin({ ...base, name: 'a__b' }, deps(hub))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runAgentJoin({ ...base, tags: 'ok,-no' }, deps(hub))).rejects.toMatchObject({
      code: 'USAGE',
    });
    await expect(runAgentJoin({ ...base, advertise: 'ftp://me' }, deps(hub))).rejects.toMatchObject({
      code: 'USAGE',
    });
    expect(seen).toEqual([]);
  });

  it('an invalid tokens.json stops the join before the hub is asked', async () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'tokens.json'), '{"tokens": [{"name": "x"}]}');
    const seen: Seen[] = [];
    await expect(
      runAgentJoin(
        { hubUrl: 'http://hub:1', token: 'mcpj_x', stateDir: dir, advertise: 'http://me:1/mcp' },
        deps(fakeHub(201, {}, seen)),
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('tokens.0.sha256') });
    expect(seen).toEqual([]);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerDiscoverCommand } from './discoverCommand.js';
import { reportError } from './main.js';
import { registerServersCommand } from './serversCommand.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-srvcmd-'));
  file = join(dir, 'fleet.yaml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one command line against a program holding only these commands; returns what it printed. */
async function run(args: string[], fetch?: typeof globalThis.fetch) {
  let out = '';
  let err = '';
  const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
  const program = new Command('mcp-fleet')
    .exitOverride()
    .configureOutput({ writeErr: (t) => (err += t), writeOut: (t) => (out += t) });
  registerServersCommand(program, { io, env: { MCP_FLEET_HUB_CONFIG: file }, ...(fetch ? { fetch } : {}) });
  registerDiscoverCommand(program, { io, env: {}, ...(fetch ? { fetch } : {}) });
  let code = 0;
  try {
    await program.parseAsync(['node', 'mcp-fleet', ...args]);
  } catch (error) {
    code = reportError(error, (t) => (err += t));
  }
  return { out, err, code };
}

describe('mcp-fleet servers', () => {
  it('adds, lists, disables, enables and removes, telling the operator what happened', async () => {
    writeFileSync(file, '# my fleet\nservers: {}\n');
    let r = await run([
      'servers',
      'add',
      'fs',
      '--exclude',
      'write_file',
      '--',
      'npx',
      '-y',
      'pkg@1.0.0',
      '/srv dir',
    ]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(
      `added fs in ${file}\n  runs: npx -y pkg@1.0.0 '/srv dir'\nA running hub picks the change up by itself (it watches fleet.yaml).\n`,
    );
    r = await run([
      'servers',
      'add',
      'ha',
      '--url',
      'http://ha.lan/mcp',
      '--token-env',
      'HA_TOKEN',
      '--disabled',
    ]);
    r = await run(['servers', 'list']);
    expect(r.out).toBe(
      [
        'NAME  KIND   COMMAND/URL                  ENABLED  TOOLS',
        "fs    stdio  npx -y pkg@1.0.0 '/srv dir'  yes      not write_file",
        'ha    http   http://ha.lan/mcp            no       all',
        '',
      ].join('\n'),
    );
    r = await run(['servers', 'disable', 'fs', '--json']);
    expect(JSON.parse(r.out)).toEqual({ name: 'fs', enabled: false, changed: true, file });
    r = await run(['servers', 'enable', 'ha']);
    expect(r.out).toContain(`enabled ha in ${file}`);
    r = await run(['servers', 'enable', 'ha']);
    expect(r.out).toBe(`ha is already enabled in ${file}\n`);
    r = await run(['servers', 'remove', 'fs']);
    expect(r.out).toContain(`removed fs from ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(
      '# my fleet\nservers:\n  ha:\n    url: http://ha.lan/mcp\n    token_env: HA_TOKEN\n    enabled: true\n',
    );
    r = await run(['servers', 'list', '--json']);
    expect(JSON.parse(r.out).servers.map((s: { name: string }) => s.name)).toEqual(['ha']);
  });

  it('reports operator mistakes in one line with exit 2 and leaves the file alone', async () => {
    writeFileSync(file, 'servers: {}\n');
    const cases: Array<[string[], RegExp]> = [
      [['servers', 'add', 'x', '--command', 'node', '--env', 'API_KEY=sk-1'], /API_KEY looks like a secret/],
      [['servers', 'add', 'x_y', '--command', 'node'], /invalid server name "x_y"/],
      [['servers', 'add', 'x'], /give the server as --command/],
      [['servers', 'remove', 'nope'], /has no server named nope/],
      [['servers', 'disable', 'nope'], /has no server named nope/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(file, 'utf8')).toBe('servers: {}\n');
  });

  it('adds a registry server disabled while its secret is missing, and says how to give it', async () => {
    const latest = readFileSync(
      join(import.meta.dirname, 'servers/samples/registry-latest-weather.json'),
      'utf8',
    );
    const fetch = async (url: string | URL | Request) =>
      String(url).includes('/v0.1/servers/io.github.example%2Fweather/versions/latest')
        ? new Response(latest, { status: 200 })
        : new Response('{}', { status: 404 });
    const r = await run(
      [
        'servers',
        'add',
        '--from-registry',
        'io.github.example/weather',
        '--registry-url',
        'http://registry.test',
      ],
      fetch as typeof globalThis.fetch,
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        `added weather in ${file} (a new file)`,
        '  from the MCP Registry: io.github.example/weather',
        '  runs: npx -y weather-mcp-server@1.4.2 stdio',
        'inputs it declares:',
        '  OPENWEATHER_API_KEY (env, secret, required): API key from openweathermap.org',
        '  WEATHER_UNITS (env, optional): metric or imperial',
        'added disabled: it needs OPENWEATHER_API_KEY, to be given with',
        '  mcp-fleet servers add weather --from-registry io.github.example/weather --secret-file OPENWEATHER_API_KEY=PATH --force',
        `or edit ${file} and run: mcp-fleet servers enable weather (see docs/servers.md#secrets)`,
        'A running hub picks the change up by itself (it watches fleet.yaml).',
        '',
      ].join('\n'),
    );
    expect(readFileSync(file, 'utf8')).toBe(
      [
        'servers:',
        '  weather:',
        '    command: npx',
        '    args: [-y, weather-mcp-server@1.4.2, stdio]',
        '    env:',
        '      WEATHER_LOG: warn',
        '    description: Current weather and forecasts from OpenWeatherMap',
        '    enabled: false',
        '',
      ].join('\n'),
    );
  });

  it('turns an unreachable registry into one line and exit 2', async () => {
    const fetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    };
    const r = await run(
      ['discover', 'weather', '--registry-url', 'http://r.test', '--npm-url', 'http://n.test'],
      fetch,
    );
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'mcp-fleet: no source answered: the MCP Registry: cannot reach r.test (ENOTFOUND); the npm registry: cannot reach n.test (ENOTFOUND)\n',
    );
    const bad = await run(['discover', 'x', '--limit', '0']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.err).toContain('--limit is a whole number from 1 to 50');
  });

  it('has help with examples for every subcommand', async () => {
    for (const sub of [
      ['servers', 'list'],
      ['servers', 'add'],
      ['servers', 'remove'],
      ['servers', 'enable'],
      ['servers', 'disable'],
      ['discover'],
    ]) {
      const r = await run([...sub, '--help']);
      expect(r.out, sub.join(' ')).toContain('Examples:');
    }
  });
});

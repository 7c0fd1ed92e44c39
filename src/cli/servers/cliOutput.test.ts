import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDiscoverCommand } from '../discoverCommand.js';
import { printable, printableJson, table } from './cliOutput.js';

const ESC = '\u001b';
const HOSTILE = `Weather${ESC}]0;pwned\u0007 ${ESC}[2Jforecasts\u202e\u0085moc.evil\u2066\tand\nmore`;

describe('printable', () => {
  it('drops C0 and C1 controls and bidi controls, and makes whitespace controls a space', () => {
    expect(printable(HOSTILE)).toBe('Weather]0;pwned [2Jforecastsmoc.evil and more');
    expect(printable('plain – text ✓')).toBe('plain – text ✓');
  });

  it('is applied to every table cell', () => {
    expect(
      table([
        ['A', 'B'],
        [`x${ESC}[31m`, `y\u202ez`],
      ]),
    ).toBe('A      B\nx[31m  yz');
  });

  it('escapes in JSON what JSON.stringify leaves raw, and the value parses back the same', () => {
    const value = { d: `a\u0085b\u202ec\u2028${ESC}` };
    const json = printableJson(value);
    expect(json).toBe('{"d":"a\\u0085b\\u202ec\\u2028\\u001b"}');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('mcp-fleet discover output', () => {
  const registryEntry = {
    server: {
      name: `io.github.evil/weather${ESC}[8m`,
      description: HOSTILE,
      version: '1.0.0',
      repository: { url: 'https://github.com/evil/weather', source: 'github' },
      remotes: [{ type: 'streamable-http', url: 'https://weather.example/mcp' }],
    },
    _meta: { 'io.modelcontextprotocol.registry/official': { status: 'active', isLatest: true } },
  };
  const fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const body = url.pathname.startsWith('/v0.1/servers')
      ? { servers: [registryEntry], metadata: { count: 1 } }
      : { objects: [], total: 0 };
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;

  async function run(args: string[]) {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    const program = new Command('mcp-fleet').exitOverride();
    registerDiscoverCommand(program, { io, env: {}, fetch, now: () => new Date('2026-08-15T00:00:00Z') });
    await program.parseAsync([
      'node',
      'mcp-fleet',
      'discover',
      'weather',
      '--registry-url',
      'http://r.test',
      '--npm-url',
      'http://n.test',
      ...args,
    ]);
    return { out, err };
  }

  it('prints no control or bidi character from a registry, in the table or as JSON', async () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not be printed
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const text = await run([]);
    expect(text.out).toContain('io.github.evil/weather[8m');
    expect(text.out).toContain('Weather]0;pwned [2Jforecastsmoc.evil and more');
    expect(text.out).not.toMatch(unsafe);
    expect(text.err).not.toMatch(unsafe);
    const json = await run(['--json']);
    expect(json.out).not.toMatch(unsafe);
    expect(JSON.parse(json.out).candidates[0].description).toBe(HOSTILE);
  });
});

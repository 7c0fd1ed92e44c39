import { describe, expect, it } from 'vitest';
import type { RegistryPlan } from './fromRegistry.js';
import { looksSecret, parseEnvPairs, specFromFlags, specFromPlan } from './serverSpec.js';

describe('looksSecret', () => {
  it('flags credential words, not words that merely contain them or references to files', () => {
    for (const name of [
      'API_KEY',
      'GITHUB_PERSONAL_ACCESS_TOKEN',
      'DB_PASSWORD',
      'OPENAI_APIKEY',
      'AUTHTOKEN',
      'client_secret',
      'AWS_ACCESS_KEY_ID',
      'SMTP_PASS',
    ]) {
      expect(looksSecret(name), name).toBe(true);
    }
    for (const name of [
      'KEYBOARD_LAYOUT',
      'MONKEY_MODE',
      'API_KEY_FILE',
      'TOKEN_PATH',
      'SECRETS_DIR',
      'LOG_LEVEL',
      'PWD',
      'PASSAGE',
    ]) {
      expect(looksSecret(name), name).toBe(false);
    }
  });

  it('refuses a secret-looking --env with a hint, and takes the rest', () => {
    expect(parseEnvPairs(['A=1', 'B=x=y', 'EMPTY='])).toEqual({ A: '1', B: 'x=y', EMPTY: '' });
    expect(() => parseEnvPairs(['OPENAI_API_KEY=sk-123'])).toThrow(
      /OPENAI_API_KEY looks like a secret.*OPENAI_API_KEY_FILE.*--token-env.*--secret-file OPENAI_API_KEY=PATH/,
    );
    expect(() => parseEnvPairs(['novalue'])).toThrow(/NAME=VALUE/);
  });
});

describe('specFromFlags', () => {
  it('builds a stdio entry from --command/--arg or from the words after --', () => {
    const flags = {
      arg: ['-y', 'pkg@1.0.0'],
      env: ['LOG=debug'],
      include: ['a'],
      exclude: ['b'],
      description: 'd',
    };
    const spec = {
      command: 'npx',
      args: ['-y', 'pkg@1.0.0'],
      env: { LOG: 'debug' },
      tools: { include: ['a'], exclude: ['b'] },
      description: 'd',
    };
    expect(specFromFlags({ ...flags, command: 'npx' })).toEqual(spec);
    expect(specFromFlags({ ...flags, arg: [], trailing: ['npx', '-y', 'pkg@1.0.0'] })).toEqual(spec);
    expect(specFromFlags({ trailing: ['node'], disabled: true })).toEqual({
      command: 'node',
      enabled: false,
    });
  });

  it('builds a url entry with its credential reference', () => {
    expect(specFromFlags({ url: 'https://x/mcp', tokenEnv: 'X_TOKEN', transport: 'sse' })).toEqual({
      url: 'https://x/mcp',
      transport: 'sse',
      token_env: 'X_TOKEN',
    });
  });

  it('wraps the command when a secret comes from a file', () => {
    const spec = specFromFlags({ command: 'npx', arg: ['-y', 'p@1.0.0'], secretFile: ['API_KEY=/etc/k'] });
    expect(spec.command).toBe('sh');
    expect(spec.args?.slice(2)).toEqual(['mcp-fleet-secrets', '/etc/k', 'npx', '-y', 'p@1.0.0']);
  });

  it('refuses flags that do not fit together', () => {
    expect(() => specFromFlags({})).toThrow(/--command .*--url/);
    expect(() => specFromFlags({ command: 'a', url: 'http://x' })).toThrow(/--command .*--url/);
    expect(() => specFromFlags({ command: 'a', trailing: ['b'] })).toThrow(/not both/);
    expect(() => specFromFlags({ url: 'http://x', env: ['A=1'] })).toThrow(/not to a --url server/);
    expect(() => specFromFlags({ command: 'a', tokenEnv: 'T' })).toThrow(/apply to a --url server/);
    expect(() => specFromFlags({ url: 'http://x', transport: 'websocket' })).toThrow(
      /streamable-http or sse/,
    );
  });
});

describe('specFromPlan', () => {
  const plan: RegistryPlan = {
    source: 'registry',
    entry: 'io.github.example/weather',
    name: 'weather',
    spec: { command: 'npx', args: ['-y', 'weather-mcp-server@1.4.2'], env: { WEATHER_LOG: 'warn' } },
    needs: [
      { kind: 'env', name: 'OPENWEATHER_API_KEY', required: true, secret: true, description: null },
      { kind: 'env', name: 'WEATHER_UNITS', required: false, secret: false, description: null },
      { kind: 'argument', name: 'city', required: true, secret: false, description: null },
    ],
    notes: [],
  };

  it('adds the entry disabled while required inputs are missing', () => {
    const { spec, unmet } = specFromPlan(plan, {});
    expect(spec.enabled).toBe(false);
    expect(unmet.map((n) => n.name)).toEqual(['OPENWEATHER_API_KEY', 'city']);
  });

  it('counts a secret file and extra arguments as given, and enables it', () => {
    const { spec, unmet } = specFromPlan(plan, {
      arg: ['Oslo'],
      env: ['WEATHER_UNITS=metric'],
      secretFile: ['OPENWEATHER_API_KEY=/etc/owm.key'],
      exclude: ['forecast'],
    });
    expect(unmet).toEqual([]);
    expect(spec.enabled).toBeUndefined();
    expect(spec.env).toEqual({ WEATHER_LOG: 'warn', WEATHER_UNITS: 'metric' });
    expect(spec.args?.slice(3)).toEqual(['/etc/owm.key', 'npx', '-y', 'weather-mcp-server@1.4.2', 'Oslo']);
    expect(spec.tools).toEqual({ exclude: ['forecast'] });
  });

  it('lets --token-env answer a remote server Authorization header', () => {
    const remote: RegistryPlan = {
      ...plan,
      spec: { url: 'https://w.example/mcp', transport: 'streamable-http' },
      needs: [{ kind: 'header', name: 'Authorization', required: true, secret: true, description: null }],
    };
    expect(specFromPlan(remote, {}).unmet).toHaveLength(1);
    expect(specFromPlan(remote, { tokenEnv: 'W_TOKEN' })).toEqual({
      spec: { url: 'https://w.example/mcp', transport: 'streamable-http', token_env: 'W_TOKEN' },
      unmet: [],
    });
    expect(() => specFromPlan(remote, { env: ['A=1'] })).toThrow(/remote server/);
    expect(() => specFromPlan(plan, { command: 'x' })).toThrow(/brings its own/);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { describe, expect, it } from 'vitest';
import {
  isVariableReference,
  looksSecret,
  looksSecretValue,
  secretArguments,
  urlCarriesSecret,
} from './secrets.js';

describe('looksSecret', () => {
  it('flags secret names whatever the value', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'API_KEY',
      'OPENAI_APIKEY',
      'DB_PASSWORD',
      'aws-secret',
      'SESSION',
      'PG_DSN',
    ]) {
      expect(looksSecret(name, 'x')).toBe(true);
    }
  });

  it('flags well-known credential formats and long random strings under any name', () => {
    for (const value of [
      'sk-proj-abc',
      'ghp_0123456789abcdef',
      'github_pat_11AAA',
      'xoxb-1-2-3',
      'AKIAIOSFODNN7EXAMPLE',
      'eyJhbGciOiJIUzI1NiJ9.e30.x',
      'postgres://app:hunter2@db/app',
      'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl',
    ]) {
      expect(looksSecretValue(value)).toBe(true);
    }
  });

  it('lets plain settings through', () => {
    for (const [name, value] of [
      ['NODE_ENV', 'production'],
      ['LOG_LEVEL', 'debug'],
      ['ROOT', '/home/me/projects/some-long-directory-name-2024'],
      ['BASE_URL', 'https://api.example.com/v1/endpoint12345'],
      ['MONKEY', 'banana'],
      ['KEYBOARD', 'us'],
      ['PORT', '8080'],
    ] as const) {
      expect(looksSecret(name, value)).toBe(false);
    }
  });

  it('recognises variable references', () => {
    expect(isVariableReference('${env:X}')).toBe(true);
    expect(isVariableReference('Bearer $TOKEN')).toBe(true);
    expect(isVariableReference('${workspaceFolder}/src')).toBe(true);
    expect(isVariableReference('costs $5')).toBe(false);
  });
});

describe('secretArguments and urlCarriesSecret', () => {
  it('names secret flags and secret-looking values, never printing the value', () => {
    expect(
      secretArguments([
        '-y',
        'server',
        '--api-key',
        'plainword',
        '--token=abc',
        '--password',
        'hunter2',
        '--secret=x',
        'ghp_0123456789abcdef',
        'https://u:p@db.example/x',
        'https://api.example/x?access_token=abc',
      ]),
    ).toEqual(['--api-key', '--token', '--password', '--secret', 'argument 9', 'argument 10', 'argument 11']);
    expect(
      secretArguments(['--api-key', '--verbose', '--token=', '/srv', '@scope/server@1.2.3', '--port', '80']),
    ).toEqual([]);
  });

  it('finds user info and secret-looking query parameters in URLs', () => {
    for (const url of [
      'https://user:pass@hub.example/mcp',
      'https://tok123@hub.example/mcp',
      'https://hub.example/mcp?api_key=abc',
      'https://hub.example/mcp?apiKey=abc',
      'https://hub.example/mcp?accessToken=abc',
      'https://hub.example/mcp?sig=abc',
      'https://hub.example/mcp?x=ghp_0123456789abcdef',
    ]) {
      expect(urlCarriesSecret(url)).toBe(true);
      expect(looksSecretValue(url)).toBe(true);
    }
    expect(urlCarriesSecret('https://hub.example/mcp?region=eu&page=2')).toBe(false);
    expect(urlCarriesSecret('not a url')).toBe(false);
  });
});

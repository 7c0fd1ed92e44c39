import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { FleetConfigSchema } from './schema.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../deploy/fleet.example.yaml');

describe('fleet.yaml', () => {
  it('the shipped example is valid', () => {
    const config = parseYamlConfig(FleetConfigSchema, readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(Object.keys(config.devices)).toEqual([
      'pi-kitchen',
      'pi-garage',
      'nas',
      'hub-host',
      'garage-pi',
      'attic',
    ]);
    expect(config.devices.attic?.ssh?.via).toBe('garage-pi');
    expect(config.devices['garage-pi']?.become?.units).toEqual(['myapp.service']);
    expect(config.principals.laptop?.role).toBe('operator');
    expect(config.servers.files?.tools.exclude).toEqual(['write_file', 'move_file']);
  });

  it('reports every problem at once with line and field', () => {
    const text = [
      'devices:',
      '  a__b: { url: "http://x:1/mcp" }',
      '  c: { url: "ftp://x/mcp", token_env: X, token_file: /y }',
      '  d: { local: true, tags: ["bad tag"] }',
      'servers:',
      '  my_server: { command: x }',
      'principals:',
      '  p: { role: root }',
    ].join('\n');
    try {
      parseYamlConfig(FleetConfigSchema, text, 'fleet.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FleetError);
      const message = (error as FleetError).message;
      expect(message).toMatch(/fleet\.yaml:2:\d+: devices\.a__b/);
      expect(message).toMatch(/fleet\.yaml:3:\d+: devices\.c\.url/);
      expect(message).toContain('token_env or token_file, not both');
      expect(message).toMatch(/fleet\.yaml:4:\d+: devices\.d\.tags\.0/);
      expect(message).toMatch(/servers\.my_server/);
      expect(message).toMatch(/principals\.p\.role/);
    }
  });

  it('reserves "all" as a device name and the built-in principal names', () => {
    expect(() => parseYamlConfig(FleetConfigSchema, 'devices:\n  all: { local: true }\n', 'f.yaml')).toThrow(
      /devices\.all: "all" is reserved/,
    );
    expect(() =>
      parseYamlConfig(
        FleetConfigSchema,
        `principals:\n  owner: { token_sha256: "${'a'.repeat(64)}", role: viewer }\n`,
        'f.yaml',
      ),
    ).toThrow(/principals\.owner: reserved/);
  });

  it('refuses a name used for both a device and a group, and an unknown stdio principal', () => {
    const text = 'devices:\n  a: { url: "http://x:1/mcp" }\ngroups:\n  a: [a]\nstdio_principal: ghost\n';
    expect(() => parseYamlConfig(FleetConfigSchema, text, 'f.yaml')).toThrow(
      /groups\.a: "a" is both a device and a group/,
    );
    expect(() => parseYamlConfig(FleetConfigSchema, text, 'f.yaml')).toThrow(
      /stdio_principal: no principal named "ghost"/,
    );
  });

  it('asks for a token hash on every principal but the stdio one', () => {
    const text = 'principals:\n  p: { role: viewer }\n  local: { role: admin }\nstdio_principal: local\n';
    expect(() => parseYamlConfig(FleetConfigSchema, text, 'f.yaml')).toThrow(
      /principals\.p\.token_sha256: a principal needs/,
    );
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../agent/index.js';
import { parseYamlConfig } from '../config/index.js';
import { FleetConfigSchema } from '../hub/inventory/index.js';
import { type CliConfigDeps, defaultCliConfigDeps, resolveCliConfig } from './config/index.js';
import { localHubUrl, runInit, starterFleetYaml } from './initCommand.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function home(): CliConfigDeps {
  const dir = mkdtempSync(join(tmpdir(), 'mcpf-init-'));
  dirs.push(dir);
  return { ...defaultCliConfigDeps(), env: {}, home: dir, cwd: dir };
}

describe('init', () => {
  it('the starter fleet.yaml is valid for the hub', () => {
    const text = starterFleetYaml('127.0.0.1:7420', 'a'.repeat(64), '/srv/state');
    const config = parseYamlConfig(FleetConfigSchema, text, 'fleet.yaml');
    expect(Object.keys(config.devices)).toEqual(['local']);
    expect(config.principals.admin).toMatchObject({ role: 'admin', token_sha256: 'a'.repeat(64) });
    expect(config.state_dir).toBe('/srv/state');
  });

  it('writes fleet.yaml, the token file and the CLI settings the other commands then read', async () => {
    const deps = home();
    const asked: string[] = [];
    const result = await runInit(
      {},
      {
        config: deps,
        ask: async (question, fallback) => {
          asked.push(question);
          return question.startsWith('Address') ? '0.0.0.0:7555' : fallback;
        },
      },
    );
    expect(asked).toHaveLength(2);
    expect(result.url).toBe('http://127.0.0.1:7555/mcp');
    expect(readFileSync(result.fleet, 'utf8')).toContain(`token_sha256: "${hashToken(result.token)}"`);
    expect(statSync(result.token_file).mode & 0o777).toBe(0o600);
    const settings = await resolveCliConfig({}, deps);
    expect(settings.hubUrl.value).toBe('http://127.0.0.1:7555/mcp');
    expect(settings.token.value).toEqual({ kind: 'file', path: result.token_file });
    expect(settings.fleet.value).toBe(result.fleet);

    await expect(runInit({ yes: true }, { config: deps })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('already exists'),
    });
    const again = await runInit({ yes: true, force: true, listen: '7600' }, { config: deps });
    expect(again.token).not.toBe(result.token);
    expect(again.url).toBe('http://127.0.0.1:7600/mcp');
  });

  it('--yes asks nothing; a bad listen address is a usage error', async () => {
    const deps = home();
    const ask = async () => {
      throw new Error('asked');
    };
    await expect(runInit({ yes: true, listen: 'nope:port' }, { config: deps, ask })).rejects.toMatchObject({
      code: 'USAGE',
    });
    const made = await runInit({ yes: true, dir: 'fleet-here' }, { config: deps, ask });
    expect(made.fleet).toBe(join(deps.cwd, 'fleet-here', 'fleet.yaml'));
  });

  it('the local URL for a listen address', () => {
    expect(localHubUrl('127.0.0.1:7420')).toBe('http://127.0.0.1:7420/mcp');
    expect(localHubUrl('0.0.0.0:80')).toBe('http://127.0.0.1:80/mcp');
    expect(localHubUrl('[::]:7420')).toBe('http://[::1]:7420/mcp');
    expect(localHubUrl('hub.lan:7420')).toBe('http://hub.lan:7420/mcp');
  });
});

import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { readHubToken, requireHubToken } from './hubToken.js';
import { type CliConfigDeps, cliConfigFiles, resolveCliConfig } from './resolveCliConfig.js';
import { describeSource } from './sources.js';

const HOME = '/home/ada';
const CWD = '/work/proj';

function deps(files: Record<string, string>, env: Record<string, string> = {}): CliConfigDeps {
  return {
    env,
    cwd: CWD,
    home: HOME,
    async readFile(path) {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
}

const SYSTEM = '/etc/mcp-fleet/config.yaml';
const USER = `${HOME}/.config/mcp-fleet/config.yaml`;
const PROJECT = `${CWD}/mcp-fleet.yaml`;

describe('CLI config layers', () => {
  it('has defaults, each marked as such', async () => {
    const s = await resolveCliConfig({}, deps({}));
    expect(s.hubUrl).toEqual({ value: 'http://127.0.0.1:7420/mcp', source: { kind: 'default' } });
    expect(s.token.value).toEqual({ kind: 'none' });
    expect(s.fleet.value).toBe(`${HOME}/.config/mcp-fleet/fleet.yaml`);
    expect(s.stateDir.value).toBe(`${HOME}/.local/state/mcp-fleet/hub`);
    expect(s.color.value).toBe('auto');
    expect(s.files).toEqual([
      { layer: 'system', path: SYSTEM, present: false },
      { layer: 'user', path: USER, present: false },
      { layer: 'project', path: PROJECT, present: false },
    ]);
  });

  it('applies system, user, project, env, flags in that order, and remembers each source', async () => {
    const files = {
      [SYSTEM]: 'hub:\n  url: http://sys:1/mcp\nfleet: /etc/mcp-fleet/fleet.yaml\noutput: { color: never }\n',
      [USER]: '# mine\nhub:\n  url: http://user:2/mcp\n  token_file: ~/.fleet-token\nstate_dir: state\n',
      [PROJECT]: 'fleet: ./fleet.yaml\n',
    };
    const s = await resolveCliConfig({}, deps(files));
    expect(s.hubUrl.value).toBe('http://user:2/mcp');
    expect(s.hubUrl.source).toEqual({ kind: 'file', layer: 'user', path: USER, line: 3 });
    expect(s.token).toEqual({
      value: { kind: 'file', path: `${HOME}/.fleet-token` },
      source: { kind: 'file', layer: 'user', path: USER, line: 4 },
    });
    // Relative paths are relative to the file that says them.
    expect(s.stateDir.value).toBe(`${HOME}/.config/mcp-fleet/state`);
    expect(s.fleet.value).toBe(`${CWD}/fleet.yaml`);
    expect(describeSource(s.fleet.source)).toBe(`project ${PROJECT}:1`);
    expect(s.color).toEqual({
      value: 'never',
      source: { kind: 'file', layer: 'system', path: SYSTEM, line: 4 },
    });
    expect(s.files.map((f) => f.present)).toEqual([true, true, true]);

    const env = {
      MCP_FLEET_HUB_URL: 'http://env:3/mcp',
      MCP_FLEET_HUB_STATE_DIR: 'rel/state',
      MCP_FLEET_COLOR: 'always',
    };
    const e = await resolveCliConfig({}, deps(files, env));
    expect(e.hubUrl).toEqual({
      value: 'http://env:3/mcp',
      source: { kind: 'env', name: 'MCP_FLEET_HUB_URL' },
    });
    expect(e.stateDir.value).toBe(`${CWD}/rel/state`);
    expect(describeSource(e.color.source)).toBe('env MCP_FLEET_COLOR');

    const f = await resolveCliConfig(
      { hub: 'http://flag:4/mcp', fleet: 'f.yaml', color: 'auto', tokenFile: '/t' },
      deps(files, { ...env, MCP_FLEET_TOKEN: 'secret' }),
    );
    expect(f.hubUrl).toEqual({ value: 'http://flag:4/mcp', source: { kind: 'flag', name: '--hub' } });
    expect(describeSource(f.fleet.source)).toBe('flag --config');
    expect(f.fleet.value).toBe(`${CWD}/f.yaml`);
    expect(f.color.value).toBe('auto');
    expect(f.token).toEqual({
      value: { kind: 'file', path: '/t' },
      source: { kind: 'flag', name: '--token-file' },
    });
  });

  it('takes the token from MCP_FLEET_TOKEN over a file named anywhere else', async () => {
    const files = { [USER]: 'hub: { token_env: MY_TOKEN }\n' };
    const fromFile = await resolveCliConfig({}, deps(files, { MY_TOKEN: 'x' }));
    expect(fromFile.token.value).toEqual({ kind: 'env', name: 'MY_TOKEN' });
    const s = await resolveCliConfig({}, deps(files, { MCP_FLEET_TOKEN: 'abc', MCP_FLEET_TOKEN_FILE: '/f' }));
    expect(s.token).toEqual({
      value: { kind: 'env', name: 'MCP_FLEET_TOKEN' },
      source: { kind: 'env', name: 'MCP_FLEET_TOKEN' },
    });
    const file = await resolveCliConfig({}, deps(files, { MCP_FLEET_TOKEN_FILE: 'tok' }));
    expect(file.token.value).toEqual({ kind: 'file', path: `${CWD}/tok` });
  });

  it('NO_COLOR means never, unless MCP_FLEET_COLOR or --color says otherwise', async () => {
    expect((await resolveCliConfig({}, deps({}, { NO_COLOR: '1' }))).color.value).toBe('never');
    expect(
      (await resolveCliConfig({}, deps({}, { NO_COLOR: '1', MCP_FLEET_COLOR: 'always' }))).color.value,
    ).toBe('always');
    expect((await resolveCliConfig({ color: 'always' }, deps({}, { NO_COLOR: '1' }))).color.value).toBe(
      'always',
    );
  });

  it('follows XDG_CONFIG_HOME and XDG_STATE_HOME', async () => {
    const d = deps({}, { XDG_CONFIG_HOME: '/x/cfg', XDG_STATE_HOME: '/x/state' });
    expect(cliConfigFiles(d)[1]?.path).toBe('/x/cfg/mcp-fleet/config.yaml');
    const s = await resolveCliConfig({}, d);
    expect(s.fleet.value).toBe('/x/cfg/mcp-fleet/fleet.yaml');
    expect(s.stateDir.value).toBe('/x/state/mcp-fleet/hub');
  });

  it('an invalid file is CONFIG_INVALID with file:line, and names the misspelt key', async () => {
    const files = { [USER]: 'hub:\n  url: http://ok/mcp\n  tokn_file: /x\n' };
    const error = await resolveCliConfig({}, deps(files)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    expect((error as FleetError).message).toContain(`${USER}:3:3`);
    expect((error as FleetError).message).toContain('tokn_file');
    const both = { [PROJECT]: 'hub: { token_env: A, token_file: /b }\n' };
    await expect(resolveCliConfig({}, deps(both))).rejects.toThrow(/not both/);
    const yaml = { [SYSTEM]: 'hub: [\n' };
    await expect(resolveCliConfig({}, deps(yaml))).rejects.toThrow(/invalid YAML in \/etc\/mcp-fleet/);
  });

  it('refuses a bad URL or color from a variable or flag, naming it', async () => {
    await expect(resolveCliConfig({}, deps({}, { MCP_FLEET_HUB_URL: 'ftp://x' }))).rejects.toThrow(
      /^MCP_FLEET_HUB_URL: /,
    );
    await expect(resolveCliConfig({ color: 'sometimes' }, deps({}))).rejects.toThrow(/--color: want auto/);
  });

  it('an unreadable file (not a missing one) is CONFIG_INVALID', async () => {
    const d = deps({});
    d.readFile = async () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    await expect(resolveCliConfig({}, d)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('hub token lookup', () => {
  const files = (map: Record<string, string>) => async (path: string) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return text;
  };

  it('reads a variable or a one-line file, and says where without the value', async () => {
    const env = { MCP_FLEET_TOKEN: ' tok-1 \n', OTHER: '' };
    const readFile = files({ '/ok': 'tok-2\n', '/two': 'a b\n', '/empty': '\n' });
    expect(await readHubToken({ kind: 'env', name: 'MCP_FLEET_TOKEN' }, { env, readFile })).toEqual({
      token: 'tok-1',
      from: 'MCP_FLEET_TOKEN',
    });
    expect(await readHubToken({ kind: 'env', name: 'OTHER' }, { env, readFile })).toEqual({
      from: '$OTHER',
      problem: 'OTHER is not set',
    });
    expect(await readHubToken({ kind: 'file', path: '/ok' }, { env, readFile })).toEqual({
      token: 'tok-2',
      from: 'file /ok',
    });
    expect((await readHubToken({ kind: 'file', path: '/two' }, { env, readFile })).problem).toMatch(
      /one line/,
    );
    expect((await readHubToken({ kind: 'file', path: '/empty' }, { env, readFile })).problem).toMatch(
      /empty/,
    );
    expect((await readHubToken({ kind: 'file', path: '/no' }, { env, readFile })).problem).toMatch(/ENOENT/);
  });

  it('a reference that leads nowhere is a usage error naming where it was set; none at all is no token', async () => {
    const deps = { env: {}, readFile: files({}) };
    await expect(
      requireHubToken(
        { value: { kind: 'file', path: '/gone' }, source: { kind: 'default' } },
        'user config',
        deps,
      ),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/\/gone.*user config/) });
    expect(
      await requireHubToken({ value: { kind: 'none' }, source: { kind: 'default' } }, 'x', deps),
    ).toBeUndefined();
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editFleetFile, fleetFilePath, readFleetFile, setCliConfigValues } from './configFiles.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'mcpf-yaml-'));
  dirs.push(d);
  return d;
}

const FLEET = `# my fleet
devices:
  # this machine
  local: { local: true, tags: [local] } # in-process

  # pi-9: { url: "http://pi-9:8222/mcp" }

principals:
  ops: { token_sha256: "${'a'.repeat(64)}", role: operator }
  # the lab's viewer
  lab: { token_sha256: "${'b'.repeat(64)}", role: viewer, targets: "tag:lab" }
`;

describe('editing fleet.yaml in place', () => {
  it('adds and removes entries keeping every other byte, and keeps the mode', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, FLEET, { mode: 0o640 });
    await editFleetFile(path, (editor) => {
      editor.set(['devices', 'pi-1'], { url: 'http://pi-1:8222/mcp', tags: ['pi', 'lab'] });
      editor.delete(['principals', 'lab']);
    });
    expect(readFileSync(path, 'utf8')).toBe(
      FLEET.replace(
        '} # in-process\n',
        '} # in-process\n  pi-1:\n    url: http://pi-1:8222/mcp\n    tags: [pi, lab]\n',
      ).replace(/ {2}lab: \{.*\n/, ''),
    );
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('adds to a flow-style map inside its braces, keeping comments', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, '# top\ndevices: { a: { local: true } } # all\n');
    await editFleetFile(path, (editor) => editor.set(['devices', 'b'], { url: 'http://b:1/mcp' }));
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# top');
    expect(text).toContain('# all');
    expect(text).toMatch(/b: \{url: http:\/\/b:1\/mcp\}/);
    expect(text).toBe('# top\ndevices: { a: { local: true }, b: {url: http://b:1/mcp} } # all\n');
  });

  it('shows the edit the file as the hub reads it', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, FLEET);
    const outcome = await editFleetFile(path, (_editor, current) => ({
      devices: Object.keys(current.devices),
      lab: current.principals.lab?.role,
    }));
    expect(outcome.result).toEqual({ devices: ['local'], lab: 'viewer' });
  });

  it('refuses an edit that would make the file invalid, and leaves it as it was', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, FLEET);
    await expect(
      editFleetFile(path, (editor) =>
        editor.set(['devices', 'bad'], { url: 'http://x/mcp', ssh: { host: 'h' } }),
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('devices.bad') });
    expect(readFileSync(path, 'utf8')).toBe(FLEET);
  });

  it('refuses to edit an invalid file or a missing one', async () => {
    const dir = temp();
    const path = join(dir, 'fleet.yaml');
    writeFileSync(path, 'devices:\n  x: { url: nope }\n');
    const none = () => undefined;
    await expect(editFleetFile(path, none)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(editFleetFile(join(dir, 'none.yaml'), none)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
    });
  });
});

describe('reading fleet.yaml', () => {
  it('is null when there is none, and the hub’s reading otherwise', async () => {
    const dir = temp();
    expect(await readFleetFile(join(dir, 'none.yaml'))).toBeNull();
    writeFileSync(join(dir, 'fleet.yaml'), FLEET);
    const config = await readFleetFile(join(dir, 'fleet.yaml'));
    expect(Object.keys(config?.principals ?? {})).toEqual(['ops', 'lab']);
    writeFileSync(join(dir, 'bad.yaml'), 'devices: [x]\n');
    await expect(readFleetFile(join(dir, 'bad.yaml'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('editing the CLI config', () => {
  it('creates the file 0600, then replaces and removes keys in it', async () => {
    const path = join(temp(), 'sub', 'config.yaml');
    await setCliConfigValues(path, [
      { key: ['hub', 'url'], value: 'http://127.0.0.1:7420/mcp' },
      { key: ['hub', 'token_file'], value: '/s/token' },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(
      '# mcp-fleet CLI settings (docs/cli.md)\n\nhub:\n  url: http://127.0.0.1:7420/mcp\n  token_file: /s/token\n',
    );
    writeFileSync(path, `${readFileSync(path, 'utf8')}output:\n  color: never # quiet\n`);
    await setCliConfigValues(path, [
      { key: ['hub', 'url'], value: 'http://hub.lan:7420/mcp' },
      { key: ['hub', 'token_file'], value: undefined },
      { key: ['hub', 'token_env'], value: 'FLEET_TOKEN' },
    ]);
    expect(readFileSync(path, 'utf8')).toBe(
      '# mcp-fleet CLI settings (docs/cli.md)\n\nhub:\n  url: http://hub.lan:7420/mcp\n  token_env: FLEET_TOKEN\noutput:\n  color: never # quiet\n',
    );
    expect(readdirSync(join(path, '..')).sort()).toEqual(['config.yaml', 'config.yaml.bak']);
  });

  it('refuses a value the CLI would not accept, leaving the file alone', async () => {
    const path = join(temp(), 'config.yaml');
    writeFileSync(path, 'hub:\n  token_env: A\n');
    await expect(setCliConfigValues(path, [{ key: ['hub', 'token_file'], value: '/t' }])).rejects.toThrow(
      /refused: .*\n.*give hub\.token_env or hub\.token_file, not both/,
    );
    expect(readFileSync(path, 'utf8')).toBe('hub:\n  token_env: A\n');
  });
});

describe('fleetFilePath', () => {
  it('takes the flag, else MCP_FLEET_HUB_CONFIG, else the file `up` reads; never the agent variable', () => {
    expect(fleetFilePath('x.yaml', { MCP_FLEET_HUB_CONFIG: '/y.yaml' })).toBe(join(process.cwd(), 'x.yaml'));
    expect(fleetFilePath(undefined, { MCP_FLEET_HUB_CONFIG: '/y.yaml', MCP_FLEET_CONFIG: '/a.yaml' })).toBe(
      '/y.yaml',
    );
    expect(fleetFilePath(undefined, { MCP_FLEET_CONFIG: '/a.yaml' }, '/home/u')).toBe(
      '/home/u/.config/mcp-fleet/fleet.yaml',
    );
    expect(fleetFilePath(undefined, { XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe(
      '/xdg/mcp-fleet/fleet.yaml',
    );
  });
});

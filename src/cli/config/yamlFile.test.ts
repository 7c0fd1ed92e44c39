import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editFleetFile, setCliConfigValues } from './yamlFile.js';

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
    await editFleetFile(path, () => ({
      changes: [
        { path: ['devices', 'pi-1'], value: { url: 'http://pi-1:8222/mcp', tags: ['pi', 'lab'] } },
        { path: ['principals', 'lab'], value: undefined },
      ],
      result: undefined,
    }));
    expect(readFileSync(path, 'utf8')).toBe(
      FLEET.replace(
        '} # in-process\n',
        '} # in-process\n  pi-1:\n    url: http://pi-1:8222/mcp\n    tags: [pi, lab]\n',
      ).replace(/ {2}lab: \{.*\n/, ''),
    );
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('falls back to the Document API for a flow-style map, still keeping comments', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, '# top\ndevices: { a: { local: true } } # all\n');
    await editFleetFile(path, () => ({
      changes: [{ path: ['devices', 'b'], value: { url: 'http://b:1/mcp' } }],
      result: undefined,
    }));
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# top');
    expect(text).toContain('# all');
    expect(text).toMatch(/b: \{url: http:\/\/b:1\/mcp\}/);
  });

  it('refuses an edit that would make the file invalid, and leaves it as it was', async () => {
    const path = join(temp(), 'fleet.yaml');
    writeFileSync(path, FLEET);
    await expect(
      editFleetFile(path, () => ({
        changes: [{ path: ['devices', 'bad'], value: { url: 'http://x/mcp', ssh: { host: 'h' } } }],
        result: undefined,
      })),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('devices.bad') });
    expect(readFileSync(path, 'utf8')).toBe(FLEET);
  });

  it('refuses to edit an invalid file or a missing one', async () => {
    const dir = temp();
    const path = join(dir, 'fleet.yaml');
    writeFileSync(path, 'devices:\n  x: { url: nope }\n');
    const none = () => ({ changes: [], result: undefined });
    await expect(editFleetFile(path, none)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(editFleetFile(join(dir, 'none.yaml'), none)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
    });
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
  });
});

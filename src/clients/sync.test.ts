// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_LAUNCHER, type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import type { ClientId } from './catalog.js';
import { clientCatalog, locationOf } from './catalog.js';
import { BACKUP_SUFFIX } from './configFile.js';
import { listClients } from './drift.js';
import { installHubEntry, removeHubEntry } from './install.js';
import { syncClients } from './sync.js';

const MOVED = {
  command: '/opt/node-22/bin/node',
  args: ['/usr/lib/node_modules/mcp-fleet/dist/src/bin/mcp-fleet.js'],
};

let temp: TempClients;
afterEach(() => temp?.cleanup());

function fileOf(client: ClientId): string {
  return locationOf(clientCatalog(temp.ctx.host), client, 'user').file;
}

function write(client: ClientId, text: string): string {
  const file = fileOf(client);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('drift and sync', () => {
  it("finds the launcher moved in every client, and sync repairs it keeping the operator's keys", async () => {
    temp = tempClients();
    const cursor = write('cursor', '{\n  "mcpServers": {}\n}\n');
    const vscode = write('vscode', '{\n\t"servers": {}\n}\n');
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: { transport: 'stdio' } });
    await installHubEntry(temp.ctx, { client: 'vscode', name: 'fleet', spec: { transport: 'stdio' } });
    // The operator adds a key of their own to the entry: not drift, and kept.
    const edited = json(cursor);
    edited.mcpServers.fleet.env = { MCP_FLEET_LOG_LEVEL: 'debug' };
    writeFileSync(cursor, `${JSON.stringify(edited, null, 2)}\n`);

    const inSync = await listClients(temp.ctx, 'fleet');
    const cursorStatus = inSync.find((c) => c.client === 'cursor');
    expect(cursorStatus?.locations[0]).toMatchObject({ installed: true, transport: 'stdio', drift: [] });

    const moved = temp.with({ launcher: MOVED });
    const drifted = await listClients(moved, 'fleet');
    for (const id of ['cursor', 'vscode']) {
      expect(drifted.find((c) => c.client === id)?.locations[0]).toMatchObject({
        drift: ['command', 'args'],
      });
    }
    const backupBefore = readFileSync(`${cursor}${BACKUP_SUFFIX}`, 'utf8');

    const results = await syncClients(moved, 'fleet');
    expect(results.map((r) => [r.client, r.action, r.drift])).toEqual([
      ['cursor', 'repaired', ['command', 'args']],
      ['vscode', 'repaired', ['command', 'args']],
    ]);
    expect(json(cursor).mcpServers.fleet).toEqual({
      command: MOVED.command,
      args: [...MOVED.args, 'up', '--stdio'],
      env: { MCP_FLEET_LOG_LEVEL: 'debug' },
    });
    expect(readFileSync(vscode, 'utf8')).toContain(`"command": "${MOVED.command}"`);
    expect(readFileSync(`${cursor}${BACKUP_SUFFIX}`, 'utf8')).toBe(backupBefore); // backed up once only
    expect((await syncClients(moved, 'fleet')).map((r) => r.action)).toEqual(['in-sync', 'in-sync']);
  });

  it('never adds the entry where it is not installed', async () => {
    temp = tempClients();
    const gemini = write('gemini', '{ "theme": "dark" }\n');
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([]);
    expect(readFileSync(gemini, 'utf8')).toBe('{ "theme": "dark" }\n');
  });

  it('puts back the URL install was given when it is edited by hand', async () => {
    temp = tempClients();
    const file = write('windsurf', '{}');
    const spec = { transport: 'http' as const, url: 'http://hub.lan:7420/mcp', tokenEnv: 'HUB_TOKEN' };
    await installHubEntry(temp.ctx, { client: 'windsurf', name: 'fleet', spec });
    const edited = json(file);
    edited.mcpServers.fleet.serverUrl = 'http://elsewhere/mcp';
    writeFileSync(file, JSON.stringify(edited));
    const [result] = await syncClients(temp.ctx, 'fleet');
    expect(result).toMatchObject({ action: 'repaired', drift: ['serverUrl'] });
    expect(json(file).mcpServers.fleet).toEqual({
      serverUrl: 'http://hub.lan:7420/mcp',
      headers: { Authorization: 'Bearer ${env:HUB_TOKEN}' },
    });
  });

  it('keeps the URL and token of an entry written by hand (no install record)', async () => {
    temp = tempClients();
    const entry = {
      type: 'http',
      url: 'https://hub.example/mcp',
      headers: { Authorization: 'Bearer ${env:T}' },
    };
    const file = write('vscode', JSON.stringify({ servers: { fleet: entry } }));
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([expect.objectContaining({ action: 'in-sync' })]);
    expect(json(file).servers.fleet).toEqual(entry);
  });

  it('keeps a literal token through a repair, and reports when it is gone', async () => {
    temp = tempClients();
    const file = write('codex', 'model = "o3"\n');
    const spec = {
      transport: 'http' as const,
      url: 'http://127.0.0.1:7420/mcp',
      tokenEnv: 'T',
      token: 'mcpf_abc',
    };
    await installHubEntry(temp.ctx, { client: 'codex', name: 'fleet', spec });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, readFileSync(file, 'utf8').replace('http://127.0.0.1:7420/mcp', 'http://x/mcp'));
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([
      expect.objectContaining({ action: 'repaired', drift: ['url'] }),
    ]);
    expect(readFileSync(file, 'utf8')).toContain('http_headers = { Authorization = "Bearer mcpf_abc" }');
    expect(readFileSync(file, 'utf8')).toContain('url = "http://127.0.0.1:7420/mcp"');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^http_headers.*\n/m, ''));
    const [gone] = await syncClients(temp.ctx, 'fleet');
    expect(gone).toMatchObject({ action: 'failed', reason: expect.stringMatching(/--token-literal/) });
  });
});

describe('a file that cannot be parsed', () => {
  it('is left untouched, bytes and mtime, by install, remove, sync and list', async () => {
    temp = tempClients();
    const corrupt = '{\n  "mcpServers": {\n    "a": { "command": "x" },\n  }\n}\n';
    const file = write('claude-desktop', corrupt);
    const old = new Date('2025-06-01T12:00:00Z');
    utimesSync(file, old, old);
    const spec = { transport: 'stdio' as const };

    await expect(
      installHubEntry(temp.ctx, { client: 'claude-desktop', name: 'fleet', spec }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `cannot edit ${file}: invalid JSON (PropertyNameExpected) at line 4, column 3 (the file was not changed)`,
    });
    await expect(removeHubEntry(temp.ctx, { client: 'claude-desktop', name: 'fleet' })).rejects.toMatchObject(
      {
        code: 'CONFIG_INVALID',
      },
    );
    // It does not mention "fleet", so it cannot hold the entry: sync has nothing to do there.
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([]);
    const listed = (await listClients(temp.ctx, 'fleet')).find((c) => c.client === 'claude-desktop');
    expect(listed?.locations[0]?.error).toMatch(/line 4, column 3/);

    expect(readFileSync(file, 'utf8')).toBe(corrupt);
    expect(statSync(file).mtime.getTime()).toBe(old.getTime());
    expect(() => statSync(`${file}${BACKUP_SUFFIX}`)).toThrow();
  });

  it('sync reports a corrupt file holding the entry as failed, the others are still repaired', async () => {
    temp = tempClients();
    const moved = temp.with({ launcher: MOVED });
    write('cursor', '{}');
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: { transport: 'stdio' } });
    const broken = `[mcp_servers.fleet]\ncommand = "${TEST_LAUNCHER.command}"\nargs = [\n`;
    const codex = write('codex', broken);
    const results = await syncClients(moved, 'fleet');
    expect(results.map((r) => [r.client, r.action])).toEqual([
      ['cursor', 'repaired'],
      ['codex', 'failed'],
    ]);
    expect(results[1]?.reason).toMatch(/invalid TOML .* at line \d+/);
    expect(readFileSync(codex, 'utf8')).toBe(broken);
  });
});

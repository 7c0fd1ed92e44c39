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
    // Not a local mcp-fleet and no install record: never touched (item 1 of the review).
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([expect.objectContaining({ action: 'unmanaged' })]);
    expect(json(file).servers.fleet).toEqual(entry);
  });

  it('never rewrites a `fleet` entry without an install record that is not a local mcp-fleet', async () => {
    temp = tempClients();
    const moved = temp.with({ launcher: MOVED });
    const remote = { command: 'npx', args: ['-y', 'mcp-remote', 'https://hub.example/mcp'] };
    const ssh = { command: 'ssh', args: ['hub.lan', 'mcp-fleet', 'up', '--stdio'] };
    const cursorText = `${JSON.stringify({ mcpServers: { fleet: remote } }, null, 2)}\n`;
    const cursor = write('cursor', cursorText);
    const geminiText = `${JSON.stringify({ mcpServers: { fleet: ssh } }, null, 2)}\n`;
    const gemini = write('gemini', geminiText);
    const results = await syncClients(moved, 'fleet');
    expect(results.map((r) => [r.client, r.action])).toEqual([
      ['cursor', 'unmanaged'],
      ['gemini', 'unmanaged'],
    ]);
    expect(results[0]?.reason).toMatch(/^not managed by mcp-fleet/);
    expect(readFileSync(cursor, 'utf8')).toBe(cursorText);
    expect(readFileSync(gemini, 'utf8')).toBe(geminiText);
    expect(() => statSync(`${cursor}${BACKUP_SUFFIX}`)).toThrow();
    const listed = (await listClients(moved, 'fleet')).find((c) => c.client === 'cursor');
    expect(listed?.locations[0]).toMatchObject({
      installed: false,
      drift: [],
      unmanaged: expect.stringMatching(/^not managed by mcp-fleet/),
    });
  });

  it('repairs a local mcp-fleet entry written by hand, keeping its own arguments', async () => {
    temp = tempClients();
    const entry = {
      command: '/old/node',
      args: ['/old/lib/mcp-fleet/dist/src/bin/mcp-fleet.js', 'up', '--stdio', '--config=/etc/f.yaml', '-v'],
      env: { A: '1' },
    };
    const file = write('cursor', JSON.stringify({ mcpServers: { fleet: entry } }));
    const [result] = await syncClients(temp.ctx, 'fleet');
    expect(result).toMatchObject({ action: 'repaired', drift: ['command', 'args'] });
    expect(json(file).mcpServers.fleet).toEqual({
      command: TEST_LAUNCHER.command,
      args: [...TEST_LAUNCHER.args, 'up', '--stdio', '--config=/etc/f.yaml', '-v'],
      env: { A: '1' },
    });
    expect((await syncClients(temp.ctx, 'fleet')).map((r) => r.action)).toEqual(['in-sync']);
  });

  it("a repair replaces only the Authorization header, keeping the client's other headers", async () => {
    temp = tempClients();
    const file = write('cursor', '{}');
    const spec = { transport: 'http' as const, url: 'http://hub.lan:7420/mcp', tokenEnv: 'HUB_TOKEN' };
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec });
    const edited = json(file);
    edited.mcpServers.fleet.url = 'http://elsewhere/mcp';
    edited.mcpServers.fleet.headers = { 'X-Tenant': 'lab', authorization: 'Bearer ${env:OTHER}' };
    writeFileSync(file, JSON.stringify(edited));
    const [result] = await syncClients(temp.ctx, 'fleet');
    expect(result).toMatchObject({ action: 'repaired', drift: ['url', 'headers'] });
    expect(json(file).mcpServers.fleet).toEqual({
      url: 'http://hub.lan:7420/mcp',
      headers: { 'X-Tenant': 'lab', Authorization: 'Bearer ${env:HUB_TOKEN}' },
    });
    // Another header added later is not drift.
    const again = json(file);
    again.mcpServers.fleet.headers['X-Trace'] = '1';
    writeFileSync(file, JSON.stringify(again));
    expect((await syncClients(temp.ctx, 'fleet')).map((r) => r.action)).toEqual(['in-sync']);
  });

  it("keeps Codex's other http_headers through a repair of a literal-token entry", async () => {
    temp = tempClients();
    const file = write('codex', '');
    const spec = {
      transport: 'http' as const,
      url: 'http://127.0.0.1:7420/mcp',
      tokenEnv: 'T',
      token: 'mcpf_q',
    };
    await installHubEntry(temp.ctx, { client: 'codex', name: 'fleet', spec });
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('http://127.0.0.1:7420/mcp', 'http://x/mcp')
        .replace('{ Authorization = "Bearer mcpf_q" }', '{ X-Trace = "1", Authorization = "Bearer mcpf_q" }'),
    );
    expect(await syncClients(temp.ctx, 'fleet')).toEqual([
      expect.objectContaining({ action: 'repaired', drift: ['url'] }),
    ]);
    expect(readFileSync(file, 'utf8')).toContain(
      'http_headers = { X-Trace = "1", Authorization = "Bearer mcpf_q" }',
    );
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

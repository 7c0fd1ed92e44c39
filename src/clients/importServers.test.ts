// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import { clientCatalog, locationOf } from './catalog.js';
import type { PlannedServer } from './importPlan.js';
import { type AddFleetServers, importServers } from './importServers.js';

describe('importServers', () => {
  let temp: TempClients;
  afterEach(() => temp?.cleanup());

  it('adds the movable servers to fleet.yaml, removes them from the client and installs the hub', async () => {
    temp = tempClients();
    const file = locationOf(clientCatalog(temp.ctx.host), 'claude-desktop', 'user').file;
    mkdirSync(dirname(file), { recursive: true });
    const original = {
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', 'server-filesystem', '/srv'] },
        slack: { command: 'npx', args: ['slack-mcp'], env: { SLACK_BOT_TOKEN: 'xoxb-1-2' } },
        taken: { command: 'other' },
      },
      globalShortcut: 'Ctrl+Space',
    };
    writeFileSync(file, `${JSON.stringify(original, null, 2)}\n`);
    const asked: PlannedServer[][] = [];
    const addServers: AddFleetServers = async (servers) => {
      asked.push([...servers]);
      return {
        added: ['filesystem'],
        present: [],
        refused: [{ from: 'taken', reason: 'fleet.yaml already has a different servers.taken' }],
        file: '/fleet.yaml',
      };
    };
    const report = await importServers(temp.ctx, {
      client: 'claude-desktop',
      hubName: 'fleet',
      spec: { transport: 'stdio' },
      includeSecrets: false,
      addServers,
    });
    expect(asked[0]?.map((s) => s.name)).toEqual(['filesystem', 'taken']);
    expect(report.moved.map((m) => m.from)).toEqual(['filesystem']);
    expect(report.left.map((l) => l.from)).toEqual(['slack', 'taken']);
    expect(report.install.action).toBe('created');
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(after.mcpServers)).toEqual(['slack', 'taken', 'fleet']);
    expect(after.globalShortcut).toBe('Ctrl+Space');
    expect(JSON.parse(readFileSync(`${file}.mcp-fleet.bak`, 'utf8'))).toEqual(original);
  });

  it('removes the moved servers and installs the hub in one write, never removing an entry that changed', async () => {
    temp = tempClients();
    const file = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user').file;
    mkdirSync(dirname(file), { recursive: true });
    const original = {
      mcpServers: { a: { command: 'npx', args: ['a-mcp'] }, b: { command: 'npx', args: ['b-mcp'] } },
    };
    const originalText = `${JSON.stringify(original, null, 2)}\n`;
    writeFileSync(file, originalText);
    const changedText = originalText.replace('"b-mcp"', '"b-mcp", "--fast"');
    // Every state of the file mcp-fleet could observe while it imports.
    const seen = new Set<string>();
    const records = temp.ctx.records;
    const ctx = {
      ...temp.ctx,
      records: {
        ...records,
        get: async (...args: Parameters<typeof records.get>) => {
          seen.add(readFileSync(file, 'utf8'));
          return records.get(...args);
        },
      },
    };
    const report = await importServers(ctx, {
      client: 'cursor',
      hubName: 'fleet',
      spec: { transport: 'stdio' },
      includeSecrets: false,
      addServers: async (servers) => {
        writeFileSync(file, changedText); // the client edits "b" while fleet.yaml is written
        return { added: servers.map((s) => s.name), present: [], refused: [], file: '/fleet.yaml' };
      },
    });
    expect(report.moved.map((m) => m.from)).toEqual(['a']);
    expect(report.left).toEqual([
      {
        from: 'b',
        reason: `it changed in ${file} during the import, so it was left there; /fleet.yaml has servers.b as it was before the change`,
      },
    ]);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(after.mcpServers)).toEqual(['b', 'fleet']);
    expect(after.mcpServers.b.args).toEqual(['b-mcp', '--fast']);
    // No state in between: the servers went and the hub came in the same write.
    expect([...seen]).toEqual([changedText]);
  });

  it('prints no literal token in its report', async () => {
    temp = tempClients();
    const file = locationOf(clientCatalog(temp.ctx.host), 'cursor', 'user').file;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ mcpServers: { a: { command: 'npx' } } }));
    const report = await importServers(temp.ctx, {
      client: 'cursor',
      hubName: 'fleet',
      spec: {
        transport: 'http',
        url: 'http://127.0.0.1:7420/mcp',
        tokenEnv: 'T',
        token: 'mcpf_in-the-file-only',
      },
      includeSecrets: false,
      addServers: async (servers) => ({
        added: servers.map((s) => s.name),
        present: [],
        refused: [],
        file: '/f',
      }),
    });
    expect(readFileSync(file, 'utf8')).toContain('mcpf_in-the-file-only');
    expect(JSON.stringify(report)).not.toContain('mcpf_in-the-file-only');
    expect(report.install.entry).toMatchObject({ headers: { Authorization: 'Bearer <redacted>' } });
  });

  it('refuses a literal token for a project scope before touching anything', async () => {
    temp = tempClients();
    let called = false;
    await expect(
      importServers(temp.ctx, {
        client: 'cursor',
        scope: 'project',
        hubName: 'fleet',
        spec: { transport: 'http', url: 'http://127.0.0.1:7420/mcp', tokenEnv: 'T', token: 'mcpf_x' },
        includeSecrets: false,
        addServers: async () => {
          called = true;
          return { added: [], present: [], refused: [], file: '' };
        },
      }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect(called).toBe(false);
  });

  it('refuses an http hub entry Claude Desktop cannot take before touching anything', async () => {
    temp = tempClients();
    let called = false;
    await expect(
      importServers(temp.ctx, {
        client: 'claude-desktop',
        hubName: 'fleet',
        spec: { transport: 'http', tokenEnv: 'T' },
        includeSecrets: false,
        addServers: async () => {
          called = true;
          return { added: [], present: [], refused: [], file: '' };
        },
      }),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect(called).toBe(false);
  });
});

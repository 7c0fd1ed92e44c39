// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import { clientCatalog, locationOf } from './catalog.js';
import {
  type AddFleetServers,
  fleetServerName,
  importServers,
  type PlannedServer,
  planImport,
} from './importServers.js';

const OPTIONS = { hubName: 'fleet', hubUrls: ['http://127.0.0.1:7420/mcp'], includeSecrets: false };

describe('planImport', () => {
  it('moves stdio and remote servers, and leaves what would lose or leak something', () => {
    const plan = planImport(
      'cursor',
      {
        fleet: { command: 'node', args: ['x.js', 'up', '--stdio'] },
        mcp_fleet_copy: {
          command: '/usr/bin/node',
          args: ['/opt/mcp-fleet/dist/src/bin/mcp-fleet.js', 'up', '--stdio'],
        },
        filesystem: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv'],
          env: { DEBUG: '1' },
        },
        'git.v2': { command: 'uvx', args: ['mcp-server-git'], disabled: true },
        github: {
          url: 'https://api.githubcopilot.com/mcp/',
          headers: { Authorization: 'Bearer ${env:GITHUB_TOKEN}' },
        },
        legacy: { type: 'sse', url: 'https://legacy.example/sse' },
        slack: { command: 'npx', args: ['slack-mcp'], env: { SLACK_BOT_TOKEN: 'xoxb-1-2', TEAM: 'T1' } },
        ws: { command: 'node', args: ['${workspaceFolder}/server.js'] },
        literal: { url: 'https://x.example/mcp', headers: { Authorization: 'Bearer abc123' } },
        custom: { url: 'https://y.example/mcp', headers: { 'X-Api-Key': 'k' } },
        hubhttp: { url: 'http://127.0.0.1:7420/mcp' },
        broken: 'nope',
      },
      OPTIONS,
    );
    expect(plan.move).toEqual([
      {
        from: 'filesystem',
        name: 'filesystem',
        server: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv'],
          env: { DEBUG: '1' },
        },
      },
      {
        from: 'git.v2',
        name: 'git-v2',
        server: { command: 'uvx', args: ['mcp-server-git'], enabled: false },
      },
      {
        from: 'github',
        name: 'github',
        server: { url: 'https://api.githubcopilot.com/mcp/', token_env: 'GITHUB_TOKEN' },
      },
      { from: 'legacy', name: 'legacy', server: { url: 'https://legacy.example/sse', transport: 'sse' } },
    ]);
    expect(Object.fromEntries(plan.leave.map((l) => [l.from, l.reason]))).toEqual({
      mcp_fleet_copy: 'it is mcp-fleet itself',
      slack:
        'env SLACK_BOT_TOKEN looks secret and would be written into fleet.yaml (use --include-secrets to copy them)',
      ws: 'uses variables the client expands (like $HOME or $WORKSPACE), which the hub does not',
      literal: 'it sends a literal Authorization header; put it in a variable and use token_env',
      custom: 'headers X-Api-Key have no place in fleet.yaml (only a bearer token)',
      hubhttp: 'it is mcp-fleet itself',
      broken: 'not an object',
    });
  });

  it('copies secret-looking values only when asked to', () => {
    const plan = planImport(
      'vscode',
      { slack: { command: 'npx', env: { SLACK_BOT_TOKEN: 'xoxb-1-2' } } },
      {
        ...OPTIONS,
        includeSecrets: true,
      },
    );
    expect(plan.move[0]?.server).toEqual({ command: 'npx', env: { SLACK_BOT_TOKEN: 'xoxb-1-2' } });
  });

  it("reads Gemini's url as SSE and httpUrl as Streamable HTTP, and Codex's bearer_token_env_var", () => {
    const gemini = planImport(
      'gemini',
      { a: { url: 'https://a/sse' }, b: { httpUrl: 'https://b/mcp' } },
      OPTIONS,
    );
    expect(gemini.move.map((m) => m.server)).toEqual([
      { url: 'https://a/sse', transport: 'sse' },
      { url: 'https://b/mcp' },
    ]);
    const codex = planImport(
      'codex',
      { c: { url: 'https://c/mcp', bearer_token_env_var: 'C_TOKEN' } },
      OPTIONS,
    );
    expect(codex.move[0]?.server).toEqual({ url: 'https://c/mcp', token_env: 'C_TOKEN' });
  });

  it('makes names fleet.yaml accepts, and refuses two that collide', () => {
    expect(fleetServerName('my_server.v2')).toBe('my-server-v2');
    expect(fleetServerName('__x__')).toBe('x');
    const plan = planImport('cursor', { a_b: { command: 'x' }, 'a.b': { command: 'y' } }, OPTIONS);
    expect(plan.move.map((m) => m.name)).toEqual(['a-b']);
    expect(plan.leave).toEqual([{ from: 'a.b', reason: 'another server also becomes "a-b"' }]);
  });
});

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

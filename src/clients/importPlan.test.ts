// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { describe, expect, it } from 'vitest';
import { fleetServerName, planImport } from './importPlan.js';

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

  it('leaves servers with secrets in their args or URL, unless asked to copy them', () => {
    const entries = {
      flag: { command: 'npx', args: ['-y', 'brave-search-mcp', '--api-key', 'BSAxyz'] },
      joined: { command: 'npx', args: ['-y', 'x-mcp', '--token=abc'] },
      positional: { command: 'npx', args: ['-y', 'gh-mcp', 'ghp_0123456789abcdefABCDEF'] },
      dsn: { command: 'uvx', args: ['pg-mcp', 'postgres://app:hunter2@db/app'] },
      userinfo: { url: 'https://me:pw@mcp.example/mcp' },
      query: { url: 'https://mcp.example/mcp?api_key=abc' },
      plain: { command: 'npx', args: ['-y', 'srv', '--port', '8080'] },
    };
    const plan = planImport('cursor', entries, OPTIONS);
    expect(plan.move.map((m) => m.from)).toEqual(['plain']);
    expect(Object.fromEntries(plan.leave.map((l) => [l.from, l.reason]))).toEqual({
      flag: 'args --api-key looks secret and would be written into fleet.yaml (use --include-secrets to copy them)',
      joined:
        'args --token looks secret and would be written into fleet.yaml (use --include-secrets to copy them)',
      positional:
        'args argument 3 looks secret and would be written into fleet.yaml (use --include-secrets to copy them)',
      dsn: 'args argument 2 looks secret and would be written into fleet.yaml (use --include-secrets to copy them)',
      userinfo:
        'its url carries a credential (user:password@ or a secret-looking query parameter) and would be written into fleet.yaml (use --include-secrets to copy it)',
      query:
        'its url carries a credential (user:password@ or a secret-looking query parameter) and would be written into fleet.yaml (use --include-secrets to copy it)',
    });
    for (const left of plan.leave) expect(left.reason).not.toMatch(/BSAxyz|abc|ghp_|hunter2|pw@/);
    const included = planImport('cursor', entries, { ...OPTIONS, includeSecrets: true });
    expect(included.leave).toEqual([]);
  });

  it('leaves an entry with a key the conversion does not understand, saying which', () => {
    const plan = planImport(
      'vscode',
      {
        envfile: { type: 'stdio', command: 'node', args: ['s.js'], envFile: '${workspaceFolder}/.env' },
        ws: { type: 'ws', url: 'wss://x/mcp' },
        fine: { type: 'stdio', command: 'node', args: ['s.js'], cwd: '/srv' },
      },
      OPTIONS,
    );
    expect(plan.move.map((m) => m.from)).toEqual(['fine']);
    expect(Object.fromEntries(plan.leave.map((l) => [l.from, l.reason]))).toEqual({
      envfile: 'it uses envFile, which fleet.yaml has no place for (moving it would drop that)',
      ws: 'its type "ws" is not one mcp-fleet can run',
    });
    const codex = planImport(
      'codex',
      {
        vars: { command: 'x', env_vars: ['HOME'] },
        hdrs: { url: 'https://c/mcp', env_http_headers: { 'X-Key': 'K' } },
        bearer: { url: 'https://c/mcp', bearer_token: 'abc' },
        ok: { command: 'x', enabled: false, startup_timeout_sec: 5 },
      },
      OPTIONS,
    );
    expect(codex.move).toEqual([{ from: 'ok', name: 'ok', server: { command: 'x', enabled: false } }]);
    expect(codex.leave.map((l) => [l.from, l.reason])).toEqual([
      ['vars', 'it uses env_vars, which fleet.yaml has no place for (moving it would drop that)'],
      ['hdrs', 'it uses env_http_headers, which fleet.yaml has no place for (moving it would drop that)'],
      ['bearer', 'it uses bearer_token, which fleet.yaml has no place for (moving it would drop that)'],
    ]);
    // Claude Desktop documents no cwd: an entry with one would run elsewhere behind the hub.
    expect(
      planImport('claude-desktop', { c: { command: 'x', cwd: '/a' } }, OPTIONS).leave[0]?.reason,
    ).toMatch(/^it uses cwd/);
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

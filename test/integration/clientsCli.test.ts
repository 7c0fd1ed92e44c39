// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the clients' own ${VAR} syntax is the data under test
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, type CliRun, runCli, tempDir } from '../helpers/agentProcess.js';
import { clientsHomeEnv } from '../helpers/clientsHome.js';
import { removeDir } from '../helpers/toolAssertions.js';

/** `mcp-fleet clients …` and `servers import` through the built binary, with HOME in a temp dir. */

function run(args: string[], home: string, cwd: string, extra: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, clientsHomeEnv(home, extra), 20_000, cwd);
}

let home: string | undefined;
afterEach(() => {
  removeDir(home);
  home = undefined;
});

function setupHome(): { home: string; project: string } {
  home = realpathSync(tempDir('mcpf-clients-e2e-'));
  const project = join(home, 'project');
  mkdirSync(project);
  return { home, project };
}

describe('mcp-fleet clients (built binary)', () => {
  it('install, list and remove leave the original files byte for byte', async () => {
    const { home, project } = setupHome();
    const cursorFile = join(home, '.cursor', 'mcp.json');
    const vscodeFile = join(home, '.config', 'Code', 'User', 'mcp.json');
    mkdirSync(join(home, '.cursor'));
    mkdirSync(join(home, '.config', 'Code', 'User'), { recursive: true });
    const vscodeOriginal = '{\n\t// mine\n\t"servers": {\n\t\t"memory": { "command": "npx" },\n\t},\n}\n';
    writeFileSync(vscodeFile, vscodeOriginal);

    const empty = await run(['clients', 'list', '--json'], home, project);
    expect(empty.code).toBe(0);
    const found = JSON.parse(empty.stdout) as { client: string; found: boolean }[];
    expect(found.filter((c) => c.found).map((c) => c.client)).toEqual(['cursor', 'vscode']);

    const cursor = await run(['clients', 'install', 'cursor'], home, project);
    expect(cursor.code).toBe(0);
    expect(cursor.stdout).toContain(`Installed "fleet" (stdio) in Cursor (user): ${cursorFile}`);
    const entry = JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.fleet;
    expect(entry).toEqual({ command: process.execPath, args: [realpathSync(BIN), 'up', '--stdio'] });

    const vscode = await run(['clients', 'install', 'vscode', '--transport', 'http'], home, project);
    expect(vscode.code).toBe(0);
    expect(vscode.stdout).toContain('the token is read from $MCP_FLEET_TOKEN');
    expect(readFileSync(vscodeFile, 'utf8')).toContain('"Authorization": "Bearer ${env:MCP_FLEET_TOKEN}"');
    expect(readFileSync(`${vscodeFile}.mcp-fleet.bak`, 'utf8')).toBe(vscodeOriginal);

    const project1 = await run(['clients', 'install', 'claude-code', '--scope', 'project'], home, project);
    expect(project1.code).toBe(0);
    expect(JSON.parse(readFileSync(join(project, '.mcp.json'), 'utf8')).mcpServers.fleet.type).toBe('stdio');

    const listed = await run(['clients', 'list'], home, project);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      `Cursor (cursor)\n  user    ${cursorFile}\n      "fleet" installed (stdio), in sync`,
    );
    expect(listed.stdout).toContain('"fleet" installed (http), in sync');
    expect(listed.stdout).toContain(
      `project ${join(project, '.mcp.json')}\n      "fleet" installed (stdio), in sync`,
    );

    for (const [client, extra] of [
      ['cursor', []],
      ['vscode', []],
      ['claude-code', ['--scope', 'project']],
    ] as const) {
      const removed = await run(['clients', 'remove', client, ...extra], home, project);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain('Removed "fleet"');
    }
    expect(existsSync(cursorFile)).toBe(false);
    expect(existsSync(join(project, '.mcp.json'))).toBe(false);
    expect(readFileSync(vscodeFile, 'utf8')).toBe(vscodeOriginal);

    const again = await run(['clients', 'remove', 'cursor'], home, project);
    expect(again.stdout).toContain('"fleet" is not in Cursor (user)');
  });

  it('an unparseable file is one line and exit 2, and stays as it was', async () => {
    const { home, project } = setupHome();
    const file = join(home, '.gemini', 'settings.json');
    mkdirSync(join(home, '.gemini'));
    writeFileSync(file, '{ "theme": ');
    const before = statSync(file).mtimeMs;
    const result = await run(['clients', 'install', 'gemini'], home, project);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `mcp-fleet: cannot edit ${file}: invalid JSON (ValueExpected) at line 1, column 12 (the file was not changed)\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('{ "theme": ');
    expect(statSync(file).mtimeMs).toBe(before);
  });

  it('refuses what a client cannot take, and a literal token without its variable', async () => {
    const { home, project } = setupHome();
    const desktop = await run(['clients', 'install', 'claude-desktop', '--transport', 'http'], home, project);
    expect(desktop.code).toBe(2);
    expect(desktop.stderr).toMatch(/^mcp-fleet: Claude Desktop reads only stdio servers/);
    const literal = await run(
      ['clients', 'install', 'claude-code', '--transport', 'http', '--token-literal'],
      home,
      project,
    );
    expect(literal.code).toBe(2);
    expect(literal.stderr).toContain(
      '--token-literal writes the value of $MCP_FLEET_TOKEN, which is not set',
    );
    const withToken = await run(
      ['clients', 'install', 'claude-code', '--transport', 'http', '--token-literal'],
      home,
      project,
      {
        MCP_FLEET_TOKEN: 'mcpf_e2e-secret',
      },
    );
    expect(withToken.code).toBe(0);
    expect(withToken.stdout).toContain('now holds the hub token itself (a secret); its mode was set to 0600');
    expect(statSync(join(home, '.claude.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home, '.local', 'state', 'mcp-fleet', 'clients.json'))).toBe(true);
    expect(readFileSync(join(home, '.local', 'state', 'mcp-fleet', 'clients.json'), 'utf8')).not.toContain(
      'mcpf_e2e',
    );
  });

  it("servers import moves a client's servers into fleet.yaml and installs the hub in their place", async () => {
    const { home, project } = setupHome();
    const file = join(home, '.cursor', 'mcp.json');
    mkdirSync(join(home, '.cursor'));
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv'] },
          notion: { command: 'npx', args: ['notion-mcp'], env: { NOTION_API_KEY: 'secret_abc' } },
        },
      }),
    );
    const fleetYaml = join(home, '.config', 'mcp-fleet', 'fleet.yaml');
    const result = await run(['servers', 'import', 'cursor'], home, project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`moved "files" to ${fleetYaml} as servers.files`);
    expect(result.stdout).toContain('left "notion"');
    expect(readFileSync(fleetYaml, 'utf8')).toContain('files:');
    expect(readFileSync(fleetYaml, 'utf8')).not.toContain('secret_abc');
    const servers = JSON.parse(readFileSync(file, 'utf8')).mcpServers;
    expect(Object.keys(servers)).toEqual(['notion', 'fleet']);
    expect(servers.fleet.args.slice(-2)).toEqual(['up', '--stdio']);
  });

  it("every subcommand's help has examples", async () => {
    const { home, project } = setupHome();
    for (const sub of [
      ['clients', 'list'],
      ['clients', 'install'],
      ['clients', 'remove'],
      ['clients', 'sync'],
      ['clients', 'watch'],
      ['servers', 'import'],
    ]) {
      const help = await run([...sub, '--help'], home, project);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain(`mcp-fleet ${sub.join(' ')}`);
    }
  });
});

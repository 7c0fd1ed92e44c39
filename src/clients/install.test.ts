import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempClients, tempClients } from '../../test/helpers/clientsHome.js';
import type { ClientId, Scope } from './catalog.js';
import { CLIENT_IDS, clientCatalog, locationOf } from './catalog.js';
import { BACKUP_SUFFIX } from './configFile.js';
import { foundClients } from './context.js';
import type { HubEntrySpec } from './hubEntry.js';
import { installHubEntry, removeHubEntry } from './install.js';

/**
 * Golden files: for every client format, `before.*` (a realistic file with the operator's own
 * servers, comments and layout) and `after-*.*` (exactly what install writes). Set
 * UPDATE_GOLDEN=1 to rewrite the `after` files from the code, then review the diff.
 */

const GOLDEN = join(import.meta.dirname, 'golden');
const STDIO: HubEntrySpec = { transport: 'stdio' };
const HTTP: HubEntrySpec = {
  transport: 'http',
  url: 'http://127.0.0.1:7420/mcp',
  tokenEnv: 'MCP_FLEET_TOKEN',
};

interface Case {
  client: ClientId;
  scope?: Scope;
  cwd?: string;
  before: string;
  after: string;
  spec: HubEntrySpec;
}

const CASES: Case[] = [
  { client: 'claude-desktop', before: 'before.json', after: 'after-install.json', spec: STDIO },
  { client: 'claude-code', before: 'before.json', after: 'after-install.json', spec: STDIO },
  {
    client: 'claude-code',
    scope: 'local',
    cwd: '/home/me/project',
    before: 'before.json',
    after: 'after-install-local.json',
    spec: STDIO,
  },
  {
    client: 'claude-code',
    scope: 'project',
    before: 'before-project.json',
    after: 'after-install-project-http.json',
    spec: HTTP,
  },
  { client: 'cursor', before: 'before.json', after: 'after-install.json', spec: STDIO },
  { client: 'cursor', before: 'before.json', after: 'after-install-http.json', spec: HTTP },
  { client: 'vscode', before: 'before.json', after: 'after-install.json', spec: STDIO },
  { client: 'vscode', before: 'before.json', after: 'after-install-http.json', spec: HTTP },
  { client: 'windsurf', before: 'before.json', after: 'after-install.json', spec: STDIO },
  { client: 'windsurf', before: 'before.json', after: 'after-install-http.json', spec: HTTP },
  { client: 'codex', before: 'before.toml', after: 'after-install.toml', spec: STDIO },
  { client: 'codex', before: 'before.toml', after: 'after-install-http.toml', spec: HTTP },
  {
    client: 'codex',
    before: 'before.toml',
    after: 'after-install-literal.toml',
    spec: { ...HTTP, token: 'mcpf_literal-token-for-the-test' },
  },
  { client: 'gemini', before: 'before.json', after: 'after-install.json', spec: STDIO },
  { client: 'gemini', before: 'before.json', after: 'after-install-http.json', spec: HTTP },
];

let temp: TempClients | undefined;
afterEach(() => {
  temp?.cleanup();
  temp = undefined;
});

function fileOf(t: TempClients, c: { client: ClientId; scope?: Scope; cwd?: string }): string {
  const ctx = t.with(c.cwd ? { cwd: c.cwd } : {});
  return locationOf(clientCatalog(ctx.host), c.client, c.scope ?? 'user').file;
}

describe('install and remove, golden files', () => {
  for (const c of CASES) {
    it(`${c.client} ${c.scope ?? 'user'} ${c.after}: install writes the golden file, remove gives the original bytes back`, async () => {
      temp = tempClients();
      const ctx = temp.with(c.cwd ? { cwd: c.cwd } : {});
      const file = fileOf(temp, c);
      const before = readFileSync(join(GOLDEN, c.client, c.before));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, before);

      const installed = await installHubEntry(ctx, {
        client: c.client,
        scope: c.scope,
        name: 'fleet',
        spec: c.spec,
      });
      expect(installed.action).toBe('created');
      const after = readFileSync(file, 'utf8');
      const golden = join(GOLDEN, c.client, c.after);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, after);
      expect(after).toBe(readFileSync(golden, 'utf8'));
      expect(readFileSync(`${file}${BACKUP_SUFFIX}`).equals(before)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(
        c.spec.token ? 0o600 : statSync(`${file}${BACKUP_SUFFIX}`).mode & 0o777,
      );

      // Installing again changes nothing.
      const again = await installHubEntry(ctx, {
        client: c.client,
        scope: c.scope,
        name: 'fleet',
        spec: c.spec,
      });
      expect(again.action).toBe(c.spec.token ? 'updated' : 'unchanged');
      expect(readFileSync(file, 'utf8')).toBe(after);

      const removed = await removeHubEntry(ctx, { client: c.client, scope: c.scope, name: 'fleet' });
      expect(removed).toMatchObject({ action: 'removed', deletedFile: false });
      expect(readFileSync(file).equals(before)).toBe(true);
    });
  }

  for (const client of CLIENT_IDS) {
    it(`${client}: install into a missing file creates it, remove deletes it again`, async () => {
      temp = tempClients();
      const file = fileOf(temp, { client });
      const result = await installHubEntry(temp.ctx, { client, name: 'fleet', spec: STDIO });
      expect(result.action).toBe('created');
      expect(result.backup).toBeUndefined();
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}${BACKUP_SUFFIX}`)).toBe(false);
      const removed = await removeHubEntry(temp.ctx, { client, name: 'fleet' });
      expect(removed).toMatchObject({ action: 'removed', deletedFile: true });
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`${file}${BACKUP_SUFFIX}`)).toBe(false);
    });
  }
});

describe('install and remove, what else they leave', () => {
  it('takes away the directories install created, so the client is not "found" afterwards', async () => {
    temp = tempClients();
    expect(await foundClients(temp.ctx.host)).toEqual([]);
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: STDIO });
    expect(existsSync(join(temp.home, '.cursor', 'mcp.json'))).toBe(true);
    await removeHubEntry(temp.ctx, { client: 'cursor', name: 'fleet' });
    expect(existsSync(join(temp.home, '.cursor'))).toBe(false);
    expect(await foundClients(temp.ctx.host)).toEqual([]);
  });

  it('leaves a created directory that something else now uses', async () => {
    temp = tempClients();
    await installHubEntry(temp.ctx, { client: 'windsurf', name: 'fleet', spec: STDIO });
    writeFileSync(join(temp.home, '.codeium', 'windsurf', 'installation_id'), 'x');
    await removeHubEntry(temp.ctx, { client: 'windsurf', name: 'fleet' });
    expect(readFileSync(join(temp.home, '.codeium', 'windsurf', 'installation_id'), 'utf8')).toBe('x');
    expect(existsSync(join(temp.home, '.codeium', 'windsurf', 'mcp_config.json'))).toBe(false);
  });

  it('installs through a dangling symlink and remove keeps the link', async () => {
    temp = tempClients();
    mkdirSync(join(temp.home, '.cursor'));
    const link = join(temp.home, '.cursor', 'mcp.json');
    symlinkSync('../dotfiles/cursor/mcp.json', link);
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: STDIO });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(link, 'utf8')).mcpServers.fleet.args.slice(-1)).toEqual(['--stdio']);
    const removed = await removeHubEntry(temp.ctx, { client: 'cursor', name: 'fleet' });
    expect(removed).toMatchObject({ action: 'removed', deletedFile: true });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(join(temp.home, 'dotfiles'))).toBe(false);
  });

  it('a literal token: mode 0600 while it is there, the original mode back on remove, redacted in the result', async () => {
    temp = tempClients();
    const file = join(temp.home, '.claude.json');
    const original = '{\n  "theme": "dark"\n}\n';
    writeFileSync(file, original);
    chmodSync(file, 0o644);
    const spec: HubEntrySpec = { ...HTTP, token: 'mcpf_do-not-print' };
    const first = await installHubEntry(temp.ctx, { client: 'claude-code', name: 'fleet', spec });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.entry).toEqual({
      type: 'http',
      url: HTTP.url,
      headers: { Authorization: 'Bearer <redacted>' },
    });
    expect(JSON.stringify(first)).not.toContain('mcpf_do-not-print');
    await installHubEntry(temp.ctx, { client: 'claude-code', name: 'fleet', spec }); // again: still 0644 to restore
    await removeHubEntry(temp.ctx, { client: 'claude-code', name: 'fleet' });
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('a reinstall without the literal token puts the original mode back', async () => {
    temp = tempClients();
    const file = join(temp.home, '.cursor', 'mcp.json');
    mkdirSync(dirname(file));
    writeFileSync(file, '{}');
    chmodSync(file, 0o640);
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: { ...HTTP, token: 'mcpf_x' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await installHubEntry(temp.ctx, { client: 'cursor', name: 'fleet', spec: HTTP });
    expect(readFileSync(file, 'utf8')).not.toContain('mcpf_x');
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('installs into a file of comments only and remove gives its bytes back (the file stays)', async () => {
    temp = tempClients();
    const file = fileOf(temp, { client: 'vscode' });
    mkdirSync(dirname(file), { recursive: true });
    const original = '// MCP servers for this machine\n// (managed by hand)';
    writeFileSync(file, original);
    await installHubEntry(temp.ctx, { client: 'vscode', name: 'fleet', spec: STDIO });
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(`${original}\n{`)).toBe(true);
    const removed = await removeHubEntry(temp.ctx, { client: 'vscode', name: 'fleet' });
    expect(removed).toMatchObject({ action: 'removed', deletedFile: false });
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('refuses a literal token for a project file, which is meant to be committed', async () => {
    temp = tempClients();
    mkdirSync(temp.ctx.host.cwd, { recursive: true });
    const file = join(temp.ctx.host.cwd, '.mcp.json');
    writeFileSync(file, '{}');
    await expect(
      installHubEntry(temp.ctx, {
        client: 'claude-code',
        scope: 'project',
        name: 'fleet',
        spec: { ...HTTP, token: 'mcpf_x' },
      }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/^--token-literal cannot go with --scope project/),
    });
    expect(readFileSync(file, 'utf8')).toBe('{}');
  });
});

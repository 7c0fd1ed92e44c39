import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors/index.js';
import { type ClientsHost, clientCatalog, locationOf, parseClientId, parseScope } from './catalog.js';

const files = (host: ClientsHost) =>
  Object.fromEntries(
    clientCatalog(host).flatMap((c) =>
      c.locations.map((l) => [`${c.id}/${l.scope}`, `${l.file} ${l.serversPath.join('.')}`]),
    ),
  );

describe('clientCatalog', () => {
  it('knows every client location on Linux', () => {
    const host: ClientsHost = { home: '/home/ann', platform: 'linux', env: {}, cwd: '/work/app' };
    expect(files(host)).toEqual({
      'claude-desktop/user': '/home/ann/.config/Claude/claude_desktop_config.json mcpServers',
      'claude-code/user': '/home/ann/.claude.json mcpServers',
      'claude-code/project': '/work/app/.mcp.json mcpServers',
      'claude-code/local': '/home/ann/.claude.json projects./work/app.mcpServers',
      'cursor/user': '/home/ann/.cursor/mcp.json mcpServers',
      'cursor/project': '/work/app/.cursor/mcp.json mcpServers',
      'vscode/user': '/home/ann/.config/Code/User/mcp.json servers',
      'vscode/project': '/work/app/.vscode/mcp.json servers',
      'windsurf/user': '/home/ann/.codeium/windsurf/mcp_config.json mcpServers',
      'codex/user': '/home/ann/.codex/config.toml mcp_servers',
      'codex/project': '/work/app/.codex/config.toml mcp_servers',
      'gemini/user': '/home/ann/.gemini/settings.json mcpServers',
      'gemini/project': '/work/app/.gemini/settings.json mcpServers',
    });
  });

  it('follows XDG_CONFIG_HOME, CLAUDE_CONFIG_DIR and CODEX_HOME', () => {
    const host: ClientsHost = {
      home: '/home/ann',
      platform: 'linux',
      env: { XDG_CONFIG_HOME: '/cfg', CLAUDE_CONFIG_DIR: '/claude', CODEX_HOME: '/codex' },
      cwd: '/p',
    };
    const f = files(host);
    expect(f['claude-desktop/user']).toBe('/cfg/Claude/claude_desktop_config.json mcpServers');
    expect(f['vscode/user']).toBe('/cfg/Code/User/mcp.json servers');
    expect(f['claude-code/user']).toBe('/claude/.claude.json mcpServers');
    expect(f['codex/user']).toBe('/codex/config.toml mcp_servers');
  });

  it('uses Application Support on macOS', () => {
    const host: ClientsHost = {
      home: '/Users/ann',
      platform: 'darwin',
      env: { XDG_CONFIG_HOME: '/ignored' },
      cwd: '/p',
    };
    const f = files(host);
    expect(f['claude-desktop/user']).toBe(
      '/Users/ann/Library/Application Support/Claude/claude_desktop_config.json mcpServers',
    );
    expect(f['vscode/user']).toBe('/Users/ann/Library/Application Support/Code/User/mcp.json servers');
    expect(f['cursor/user']).toBe('/Users/ann/.cursor/mcp.json mcpServers');
    expect(f['claude-code/user']).toBe('/Users/ann/.claude.json mcpServers');
  });

  it('uses %APPDATA% and Windows paths on Windows', () => {
    const host: ClientsHost = {
      home: 'C:\\Users\\ann',
      platform: 'win32',
      env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' },
      cwd: 'D:\\src\\app',
    };
    const f = files(host);
    expect(f['claude-desktop/user']).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json mcpServers',
    );
    expect(f['vscode/user']).toBe('C:\\Users\\ann\\AppData\\Roaming\\Code\\User\\mcp.json servers');
    expect(f['vscode/project']).toBe('D:\\src\\app\\.vscode\\mcp.json servers');
    expect(f['windsurf/user']).toBe('C:\\Users\\ann\\.codeium\\windsurf\\mcp_config.json mcpServers');
    expect(f['codex/user']).toBe('C:\\Users\\ann\\.codex\\config.toml mcp_servers');
    expect(f['claude-code/local']).toBe('C:\\Users\\ann\\.claude.json projects.D:\\src\\app.mcpServers');
    const noAppData = files({ ...host, env: {} });
    expect(noAppData['claude-desktop/user']).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json mcpServers',
    );
  });

  it('gives each client the format its file is written in', () => {
    const host: ClientsHost = { home: '/h', platform: 'linux', env: {}, cwd: '/p' };
    const formats = Object.fromEntries(clientCatalog(host).map((c) => [c.id, c.locations[0]?.format]));
    expect(formats).toEqual({
      'claude-desktop': 'json',
      'claude-code': 'json',
      cursor: 'json',
      vscode: 'jsonc',
      windsurf: 'json',
      codex: 'toml',
      gemini: 'json-comments',
    });
  });
});

describe('locationOf and parsing', () => {
  const catalog = clientCatalog({ home: '/h', platform: 'linux', env: {}, cwd: '/p' });

  it('finds a scope and refuses one the client does not have', () => {
    expect(locationOf(catalog, 'cursor', 'project').file).toBe('/p/.cursor/mcp.json');
    expect(() => locationOf(catalog, 'claude-desktop', 'project')).toThrow(
      /Claude Desktop has no project scope/,
    );
    expect(() => locationOf(catalog, 'windsurf', 'local')).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });

  it('parses client ids and scopes, naming the choices when wrong', () => {
    expect(parseClientId('vscode')).toBe('vscode');
    expect(parseScope('local')).toBe('local');
    expect(() => parseClientId('emacs')).toThrow(/unknown client "emacs" \(one of: claude-desktop,/);
    expect(() => parseScope('global')).toThrow(FleetError);
  });
});

import { posix, win32 } from 'node:path';
import { FleetError } from '../errors/index.js';

/**
 * Where each MCP client keeps its server list, as a pure function of the home directory,
 * platform, environment and working directory, so every OS is unit-tested from Linux.
 *
 * Checked against the clients' current documentation (2026):
 * - Claude Desktop: `claude_desktop_config.json` in `~/Library/Application Support/Claude`
 *   (macOS), `%APPDATA%\Claude` (Windows), `~/.config/Claude` (Linux builds; Electron honours
 *   XDG_CONFIG_HOME); key `mcpServers`; stdio entries only (remote servers are added as
 *   "connectors" in the app, a `url` entry in this file is ignored or breaks the file).
 * - Claude Code: `~/.claude.json` (or `$CLAUDE_CONFIG_DIR/.claude.json`): user scope under
 *   top-level `mcpServers`, local scope under `projects["<abs project path>"].mcpServers`;
 *   project scope in `<project>/.mcp.json` (`mcpServers`). `${VAR}` and `${VAR:-default}` are
 *   documented for `.mcp.json` (command, args, env, url, headers); expansion in `~/.claude.json`
 *   is an open feature request, so only the project scope gets a token by reference.
 * - Cursor: `~/.cursor/mcp.json`, project `.cursor/mcp.json` (`mcpServers`); remote entries are
 *   `{url, headers}`; `${env:NAME}` is interpolated in command, args, env, url and headers.
 * - VS Code: user `mcp.json` in the profile folder (`~/.config/Code/User`,
 *   `~/Library/Application Support/Code/User`, `%APPDATA%\Code\User`), workspace
 *   `.vscode/mcp.json`; key `servers`; JSONC; entries carry `type` (`stdio` or `http`);
 *   `${env:NAME}` and `${input:id}` are substituted.
 * - Windsurf: `~/.codeium/windsurf/mcp_config.json` (`mcpServers`); remote entries use
 *   `serverUrl`; `${env:NAME}` is interpolated in serverUrl and headers.
 * - Codex: `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`), project
 *   `.codex/config.toml` (trusted projects only); tables `[mcp_servers.<name>]` with
 *   command/args/env, or `url` (Streamable HTTP) with `bearer_token_env_var` (the variable's
 *   name; an inline `bearer_token` is rejected) or literal `http_headers`.
 * - Gemini CLI: `~/.gemini/settings.json`, project `.gemini/settings.json` (`mcpServers`);
 *   Streamable HTTP uses `httpUrl` (`url` means SSE); string values expand `$VAR`/`${VAR}`;
 *   the file may hold comments.
 */

export const CLIENT_IDS = [
  'claude-desktop',
  'claude-code',
  'cursor',
  'vscode',
  'windsurf',
  'codex',
  'gemini',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export const SCOPES = ['user', 'project', 'local'] as const;
export type Scope = (typeof SCOPES)[number];

/** The machine a catalog is computed for; injected so tests cover macOS and Windows too. */
export interface ClientsHost {
  home: string;
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The project directory for `project` and `local` scopes. */
  cwd: string;
}

/** How a file is written: strict JSON, JSON with comments only, JSONC (comments and trailing commas), TOML. */
export type FileFormat = 'json' | 'json-comments' | 'jsonc' | 'toml';

/** One place a client reads servers from. */
export interface ClientLocation {
  client: ClientId;
  scope: Scope;
  file: string;
  format: FileFormat;
  /** Keys from the document root to the object that maps server names to entries. */
  serversPath: readonly string[];
}

export interface ClientInfo {
  id: ClientId;
  label: string;
  /** Files or directories whose existence means the client is on this machine. */
  markers: readonly string[];
  /** The scopes this client supports, the default (`user`) first. */
  locations: readonly ClientLocation[];
}

export const CLIENT_LABELS: Readonly<Record<ClientId, string>> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  windsurf: 'Windsurf',
  codex: 'Codex',
  gemini: 'Gemini CLI',
};

/** The per-user application-data directory Electron apps (Claude Desktop, VS Code) use. */
function appDataDir(host: ClientsHost): string {
  const path = host.platform === 'win32' ? win32 : posix;
  if (host.platform === 'darwin') return path.join(host.home, 'Library', 'Application Support');
  if (host.platform === 'win32') return host.env.APPDATA || path.join(host.home, 'AppData', 'Roaming');
  return host.env.XDG_CONFIG_HOME || path.join(host.home, '.config');
}

/** Every client this version knows, with its locations on `host`. Pure: nothing is read. */
export function clientCatalog(host: ClientsHost): ClientInfo[] {
  const path = host.platform === 'win32' ? win32 : posix;
  const { home, cwd, env } = host;
  const at = (client: ClientId, scope: Scope, file: string, format: FileFormat, serversPath: string[]) => ({
    client,
    scope,
    file,
    format,
    serversPath,
  });
  const desktopDir = path.join(appDataDir(host), 'Claude');
  const claudeJson = path.join(env.CLAUDE_CONFIG_DIR || home, '.claude.json');
  const vscodeUser = path.join(appDataDir(host), 'Code', 'User');
  const codexHome = env.CODEX_HOME || path.join(home, '.codex');
  const windsurfDir = path.join(home, '.codeium', 'windsurf');
  const cwdAbs = path.resolve(cwd);
  return [
    {
      id: 'claude-desktop',
      label: CLIENT_LABELS['claude-desktop'],
      markers: [desktopDir],
      locations: [
        at('claude-desktop', 'user', path.join(desktopDir, 'claude_desktop_config.json'), 'json', [
          'mcpServers',
        ]),
      ],
    },
    {
      id: 'claude-code',
      label: CLIENT_LABELS['claude-code'],
      markers: [claudeJson, path.join(home, '.claude')],
      locations: [
        at('claude-code', 'user', claudeJson, 'json', ['mcpServers']),
        at('claude-code', 'project', path.join(cwdAbs, '.mcp.json'), 'json', ['mcpServers']),
        at('claude-code', 'local', claudeJson, 'json', ['projects', cwdAbs, 'mcpServers']),
      ],
    },
    {
      id: 'cursor',
      label: CLIENT_LABELS.cursor,
      markers: [path.join(home, '.cursor')],
      locations: [
        at('cursor', 'user', path.join(home, '.cursor', 'mcp.json'), 'json', ['mcpServers']),
        at('cursor', 'project', path.join(cwdAbs, '.cursor', 'mcp.json'), 'json', ['mcpServers']),
      ],
    },
    {
      id: 'vscode',
      label: CLIENT_LABELS.vscode,
      markers: [vscodeUser],
      locations: [
        at('vscode', 'user', path.join(vscodeUser, 'mcp.json'), 'jsonc', ['servers']),
        at('vscode', 'project', path.join(cwdAbs, '.vscode', 'mcp.json'), 'jsonc', ['servers']),
      ],
    },
    {
      id: 'windsurf',
      label: CLIENT_LABELS.windsurf,
      markers: [windsurfDir],
      locations: [at('windsurf', 'user', path.join(windsurfDir, 'mcp_config.json'), 'json', ['mcpServers'])],
    },
    {
      id: 'codex',
      label: CLIENT_LABELS.codex,
      markers: [codexHome],
      locations: [
        at('codex', 'user', path.join(codexHome, 'config.toml'), 'toml', ['mcp_servers']),
        at('codex', 'project', path.join(cwdAbs, '.codex', 'config.toml'), 'toml', ['mcp_servers']),
      ],
    },
    {
      id: 'gemini',
      label: CLIENT_LABELS.gemini,
      markers: [path.join(home, '.gemini')],
      locations: [
        at('gemini', 'user', path.join(home, '.gemini', 'settings.json'), 'json-comments', ['mcpServers']),
        at('gemini', 'project', path.join(cwdAbs, '.gemini', 'settings.json'), 'json-comments', [
          'mcpServers',
        ]),
      ],
    },
  ];
}

/** Parses a client name from the command line (USAGE when unknown). */
export function parseClientId(value: string): ClientId {
  const id = CLIENT_IDS.find((c) => c === value);
  if (!id) {
    throw new FleetError('USAGE', `unknown client "${value}" (one of: ${CLIENT_IDS.join(', ')})`, {
      client: value,
    });
  }
  return id;
}

export function parseScope(value: string): Scope {
  const scope = SCOPES.find((s) => s === value);
  if (!scope)
    throw new FleetError('USAGE', `unknown scope "${value}" (one of: ${SCOPES.join(', ')})`, {
      scope: value,
    });
  return scope;
}

/** The location of `client` at `scope`; USAGE when the client has no such scope. */
export function locationOf(
  catalog: readonly ClientInfo[],
  client: ClientId,
  scope: Scope = 'user',
): ClientLocation {
  const info = catalog.find((c) => c.id === client);
  const location = info?.locations.find((l) => l.scope === scope);
  if (!info || !location) {
    const scopes = info?.locations.map((l) => l.scope).join(', ') ?? 'none';
    throw new FleetError('USAGE', `${CLIENT_LABELS[client]} has no ${scope} scope (it has: ${scopes})`, {
      client,
      scope,
    });
  }
  return location;
}

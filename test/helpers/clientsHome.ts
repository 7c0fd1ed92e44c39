import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientsContext, Launcher } from '../../src/clients/index.js';
import { createInstallRecords } from '../../src/clients/index.js';
import { cleanEnv } from './agentProcess.js';

/** A fixed launcher, so golden files do not depend on where Node or the checkout live. */
export const TEST_LAUNCHER: Launcher = {
  command: '/usr/bin/node',
  args: ['/opt/mcp-fleet/dist/src/bin/mcp-fleet.js'],
};

export interface TempClients {
  home: string;
  stateDir: string;
  ctx: ClientsContext;
  /** A context for the same home with another working directory or launcher. */
  with(overrides: { cwd?: string; launcher?: Launcher }): ClientsContext;
  cleanup(): void;
}

/** A temporary home directory (Linux layout) with its own install records and locks. */
export function tempClients(options: { cwd?: string; env?: Record<string, string> } = {}): TempClients {
  const home = mkdtempSync(join(tmpdir(), 'mcpf-clients-'));
  const stateDir = join(home, '.local', 'state', 'mcp-fleet');
  mkdirSync(stateDir, { recursive: true });
  const records = createInstallRecords(join(stateDir, 'clients.json'));
  const make = (cwd: string, launcher: Launcher): ClientsContext => ({
    host: { home, platform: 'linux', env: options.env ?? {}, cwd },
    launcher,
    records,
    lockDir: join(stateDir, 'locks'),
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  const ctx = make(options.cwd ?? join(home, 'project'), TEST_LAUNCHER);
  return {
    home,
    stateDir,
    ctx,
    with: (o) => make(o.cwd ?? ctx.host.cwd, o.launcher ?? TEST_LAUNCHER),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/**
 * The environment for the built CLI with HOME at `home` and nothing that would point a client
 * (or mcp-fleet's state) somewhere else.
 */
export function clientsHomeEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = cleanEnv();
  for (const key of [
    'XDG_CONFIG_HOME',
    'XDG_STATE_HOME',
    'STATE_DIRECTORY',
    'CLAUDE_CONFIG_DIR',
    'CODEX_HOME',
    'APPDATA',
  ]) {
    delete env[key];
  }
  return { ...env, HOME: home, ...extra };
}

import type { ClientLocation } from './catalog.js';
import { CLIENT_LABELS } from './catalog.js';
import type { ClientStatus, LocationStatus } from './drift.js';
import type { HubEntrySpec } from './hubEntry.js';
import type { ImportReport } from './importServers.js';
import type { InstallResult, RemoveResult } from './install.js';
import type { SyncResult } from './sync.js';
import { describeSync } from './watch.js';

/** The human-readable lines the `clients` commands print (the JSON forms print the results as they are). */

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

function describeLocation(s: LocationStatus, name: string): string {
  const where = `${pad(s.scope, 8)}${s.file}${s.exists ? '' : ' (no file)'}`;
  if (s.error) return `  ${where}\n      cannot use it: ${s.error}`;
  if (s.unmanaged) return `  ${where}\n      "${name}" is there, ${s.unmanaged}`;
  if (!s.installed) return `  ${where}\n      "${name}" not installed`;
  const state = s.drift.length
    ? `drift in ${s.drift.join(', ')} (mcp-fleet clients sync repairs it)`
    : 'in sync';
  return `  ${where}\n      "${name}" installed (${s.transport ?? '?'}), ${state}`;
}

export function formatList(clients: readonly ClientStatus[], name: string): string {
  const found = clients.filter((c) => c.found);
  const missing = clients.filter((c) => !c.found).map((c) => c.label);
  const lines: string[] = [];
  if (found.length === 0) lines.push('No MCP client found on this machine.');
  for (const client of found) {
    lines.push(`${client.label} (${client.client})`);
    for (const location of client.locations) lines.push(describeLocation(location, name));
  }
  if (missing.length) lines.push(`Not found: ${missing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function formatInstall(
  result: InstallResult,
  name: string,
  spec: HubEntrySpec,
  location: ClientLocation,
): string {
  const label = CLIENT_LABELS[result.client];
  const verb = { created: 'Installed', updated: 'Updated', unchanged: 'Already installed:' }[result.action];
  const lines = [`${verb} "${name}" (${spec.transport}) in ${label} (${result.scope}): ${result.file}`];
  if (result.backup) lines.push(`  the original is kept as ${result.backup}`);
  if (result.secret) {
    lines.push(
      `  warning: ${result.file} now holds the hub token itself (a secret); its mode was set to 0600`,
    );
  } else if (spec.transport === 'http' && spec.tokenEnv) {
    const where = location.client === 'codex' ? 'bearer_token_env_var' : 'a reference in the file';
    lines.push(`  the token is read from $${spec.tokenEnv} (${where}): set it where ${label} is started`);
  }
  if (result.action !== 'unchanged') lines.push(`  restart ${label} (or reload its MCP servers) to use it`);
  return `${lines.join('\n')}\n`;
}

export function formatRemove(result: RemoveResult, name: string): string {
  const label = CLIENT_LABELS[result.client];
  if (result.action === 'absent') return `"${name}" is not in ${label} (${result.scope}): ${result.file}\n`;
  const lines = [`Removed "${name}" from ${label} (${result.scope}): ${result.file}`];
  if (result.deletedFile) lines.push('  mcp-fleet had created the file and it held nothing else: deleted');
  if (result.backup) lines.push(`  the original is kept as ${result.backup}`);
  return `${lines.join('\n')}\n`;
}

export function formatSync(results: readonly SyncResult[], name: string): string {
  if (results.length === 0)
    return `"${name}" is not installed in any client found (mcp-fleet clients install <client>)\n`;
  return `${results.map(describeSync).join('\n')}\n`;
}

export function formatImport(report: ImportReport): string {
  const lines: string[] = [];
  for (const s of report.moved) {
    lines.push(`moved "${s.from}" to ${report.fleetFile} as servers.${s.name}`);
  }
  for (const s of report.left) lines.push(`left "${s.from}" in ${report.file}: ${s.reason}`);
  if (report.moved.length === 0 && report.left.length === 0)
    lines.push(`no servers to import from ${report.file}`);
  const install = report.install;
  lines.push(
    install.action === 'unchanged'
      ? `the hub entry is already in ${install.file}`
      : `installed the hub entry in ${install.file}; restart ${CLIENT_LABELS[install.client]} to use it`,
  );
  if (install.secret) lines.push(`warning: ${install.file} now holds the hub token itself (mode 0600)`);
  return `${lines.join('\n')}\n`;
}

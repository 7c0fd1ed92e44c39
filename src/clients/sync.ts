import { FleetError } from '../errors/index.js';
import type { ClientId, ClientLocation, Scope } from './catalog.js';
import { configDoc } from './configDoc.js';
import { backupOnce, sha256, writeConfigFile } from './configFile.js';
import type { ClientsContext } from './context.js';
import { candidateLocations, editConfigFile } from './context.js';
import { desiredEntry } from './drift.js';
import { SECRET_MODE } from './install.js';

export interface SyncResult {
  client: ClientId;
  scope: Scope;
  file: string;
  /**
   * `failed`: the file cannot be parsed or the entry cannot be recomputed (see `reason`);
   * `unmanaged`: an entry of that name mcp-fleet did not write and does not recognise, left alone.
   */
  action: 'repaired' | 'in-sync' | 'failed' | 'unmanaged';
  drift: string[];
  reason?: string;
  backup?: string;
  /** sha256 of the text written, so a watcher can tell its own write from a change. */
  writtenHash?: string;
}

/**
 * Repairs drift of the hub entry at one location; null when the entry is not installed
 * there (sync never adds an entry the operator did not install, or removed).
 */
export async function syncLocation(
  ctx: ClientsContext,
  location: ClientLocation,
  name: string,
): Promise<SyncResult | null> {
  const base = { client: location.client, scope: location.scope, file: location.file };
  const doc = configDoc(location);
  try {
    return await editConfigFile(ctx, location, async (state): Promise<SyncResult | null> => {
      if (!state.exists) return null;
      let entries: Record<string, unknown> | undefined;
      try {
        entries = doc.entries(state.text);
      } catch (error) {
        // A file that cannot be parsed and does not even mention the name cannot hold the entry.
        if (!state.text.includes(name)) return null;
        throw error;
      }
      const installed = entries?.[name];
      if (installed === undefined) return null;
      const record = await ctx.records.get(location, name);
      const desired = desiredEntry(ctx, location, installed, record);
      if ('unmanaged' in desired)
        return { ...base, action: 'unmanaged', drift: [], reason: desired.unmanaged };
      if (desired.drift.length === 0) return { ...base, action: 'in-sync', drift: [] };
      const next = doc.set(state.text, name, desired.entry).text;
      // A file install created has no original worth keeping.
      const backup = record?.fileCreated ? undefined : await backupOnce(state);
      await writeConfigFile(state, next, desired.spec.token !== undefined ? { mode: SECRET_MODE } : {});
      return {
        ...base,
        action: 'repaired',
        drift: desired.drift,
        ...(backup ? { backup } : {}),
        writtenHash: sha256(next),
      };
    });
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    return { ...base, action: 'failed', drift: [], reason: error.message };
  }
}

/** Repairs every location of every found client where the entry is installed (or only `files`). */
export async function syncClients(
  ctx: ClientsContext,
  name: string,
  files?: ReadonlySet<string>,
): Promise<SyncResult[]> {
  const results: SyncResult[] = [];
  for (const location of await candidateLocations(ctx.host)) {
    if (files && !files.has(location.file)) continue;
    // One at a time: two locations can share a file (Claude Code's user and local scopes).
    const result = await syncLocation(ctx, location, name);
    if (result) results.push(result);
  }
  return results;
}

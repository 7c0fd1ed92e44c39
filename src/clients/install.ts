import type { ClientId, Scope } from './catalog.js';
import { clientCatalog, locationOf } from './catalog.js';
import { configDoc } from './configDoc.js';
import { backupOnce, deleteConfigFile, sha256, writeConfigFile } from './configFile.js';
import type { ClientsContext } from './context.js';
import { editConfigFile } from './context.js';
import { DEFAULT_HUB_URL, type HubEntrySpec, mergeEntry, renderHubEntry, sameJson } from './hubEntry.js';
import type { InstallRecord } from './installRecords.js';

/** Mode of a client file that holds a literal token. */
export const SECRET_MODE = 0o600;

export interface InstallRequest {
  client: ClientId;
  scope?: Scope;
  name: string;
  spec: HubEntrySpec;
}

export interface InstallResult {
  client: ClientId;
  scope: Scope;
  file: string;
  action: 'created' | 'updated' | 'unchanged';
  /** The backup made before this first change, if this was it. */
  backup?: string;
  /** The file now holds the token itself (and was set to mode 0600). */
  secret: boolean;
  entry: Record<string, unknown>;
  /** sha256 of the text written (undefined when nothing was written). */
  writtenHash?: string;
}

/**
 * Writes the hub entry `name` into a client's file. An existing entry of that name is
 * replaced in the keys install owns; the operator's own keys in it (an `env`, `disabled`)
 * are kept. The request is remembered (without a literal token) for drift and remove.
 */
export async function installHubEntry(ctx: ClientsContext, request: InstallRequest): Promise<InstallResult> {
  const scope = request.scope ?? 'user';
  const location = locationOf(clientCatalog(ctx.host), request.client, scope);
  const desired = renderHubEntry(location, request.spec, ctx.launcher); // USAGE before any file is touched
  const doc = configDoc(location);
  const secret = request.spec.token !== undefined;
  return editConfigFile(ctx, location, async (state) => {
    const existing = doc.entries(state.text)?.[request.name];
    const entry = existing === undefined ? desired : mergeEntry(existing, desired);
    const previous = await ctx.records.get(location, request.name);
    const base = {
      client: request.client,
      scope,
      file: location.file,
      secret,
      entry,
    };
    let created: Partial<InstallRecord> = {};
    let result: InstallResult;
    if (existing !== undefined && sameJson(existing, entry) && !secret) {
      result = { ...base, action: 'unchanged' };
      created = pickCreated(previous);
    } else {
      const set = doc.set(state.text, request.name, entry);
      const backup = await backupOnce(state);
      await writeConfigFile(state, set.text, secret ? { mode: SECRET_MODE } : {});
      created =
        existing === undefined
          ? { ...(state.exists ? {} : { fileCreated: true }), ...set.created }
          : pickCreated(previous);
      result = {
        ...base,
        action: existing === undefined ? 'created' : 'updated',
        ...(backup ? { backup } : {}),
        writtenHash: sha256(set.text),
      };
    }
    const { spec } = request;
    await ctx.records.put({
      client: request.client,
      scope,
      file: location.file,
      serversPath: [...location.serversPath],
      name: request.name,
      transport: spec.transport,
      ...(spec.config ? { config: spec.config } : {}),
      ...(spec.transport === 'http' ? { url: spec.url ?? DEFAULT_HUB_URL } : {}),
      ...(spec.tokenEnv ? { tokenEnv: spec.tokenEnv } : {}),
      ...(secret ? { tokenLiteral: true } : {}),
      ...created,
      installedAt: (ctx.now?.() ?? new Date()).toISOString(),
    });
    return result;
  });
}

function pickCreated(record: InstallRecord | undefined): Partial<InstallRecord> {
  if (!record) return {};
  return {
    ...(record.fileCreated ? { fileCreated: true } : {}),
    ...(record.createdPath ? { createdPath: record.createdPath } : {}),
    ...(record.addedFinalNewline ? { addedFinalNewline: true } : {}),
  };
}

export interface RemoveRequest {
  client: ClientId;
  scope?: Scope;
  name: string;
}

export interface RemoveResult {
  client: ClientId;
  scope: Scope;
  file: string;
  action: 'removed' | 'absent';
  /** Install had created the file and it held nothing else: it is gone. */
  deletedFile: boolean;
  backup?: string;
}

/**
 * Removes the entry `name`. What install created goes too (the file, the `mcpServers`
 * object, a final newline), when nothing else was added to it since, so install then remove
 * leaves the original bytes.
 */
export async function removeHubEntry(ctx: ClientsContext, request: RemoveRequest): Promise<RemoveResult> {
  const scope = request.scope ?? 'user';
  const location = locationOf(clientCatalog(ctx.host), request.client, scope);
  const doc = configDoc(location);
  const base = { client: request.client, scope, file: location.file };
  return editConfigFile(ctx, location, async (state) => {
    const record = await ctx.records.get(location, request.name);
    if (!state.exists || doc.entries(state.text)?.[request.name] === undefined) {
      if (record) await ctx.records.delete(location, request.name);
      return { ...base, action: 'absent', deletedFile: false };
    }
    const fileCreated = record?.fileCreated === true;
    const removed = doc.remove(state.text, request.name, record, fileCreated);
    let backup: string | undefined;
    if (removed.deleteFile) {
      await deleteConfigFile(state);
    } else {
      // A file install created has no original to keep; any other gets its one backup.
      backup = fileCreated ? undefined : await backupOnce(state);
      await writeConfigFile(state, removed.text);
    }
    await ctx.records.delete(location, request.name);
    return { ...base, action: 'removed', deletedFile: removed.deleteFile, ...(backup ? { backup } : {}) };
  });
}

import type { ClientId, ClientLocation, Scope } from './catalog.js';
import { clientCatalog, locationOf } from './catalog.js';
import { configDoc } from './configDoc.js';
import {
  backupOnce,
  type ConfigFileState,
  deleteConfigFile,
  removeCreatedDirs,
  sha256,
  writeConfigFile,
} from './configFile.js';
import type { ClientsContext } from './context.js';
import { editConfigFile } from './context.js';
import { checkTokenLiteralScope } from './entryFlags.js';
import {
  DEFAULT_HUB_URL,
  type HubEntrySpec,
  mergeEntry,
  redactEntry,
  renderHubEntry,
  sameJson,
} from './hubEntry.js';
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
  /** The entry as written, with a literal Authorization value redacted (this result gets printed). */
  entry: Record<string, unknown>;
  /** sha256 of the text written (undefined when nothing was written). */
  writtenHash?: string;
}

/** What install created at a location, carried over from the previous record on a reinstall. */
function pickCreated(record: InstallRecord | undefined): Partial<InstallRecord> {
  if (!record) return {};
  return {
    ...(record.fileCreated ? { fileCreated: true } : {}),
    ...(record.createdPath ? { createdPath: record.createdPath } : {}),
    ...(record.addedFinalNewline ? { addedFinalNewline: true } : {}),
    ...(record.createdDirs ? { createdDirs: record.createdDirs } : {}),
  };
}

/**
 * Puts the hub entry `name` into `text` (the file's text as read into `state`, or that text
 * after other changes of the same edit, like `servers import` removing the servers it moved),
 * writes the result once, and records the install. The caller holds the file's edit lock.
 */
export async function writeHubEntry(
  ctx: ClientsContext,
  location: ClientLocation,
  state: ConfigFileState,
  text: string,
  request: { name: string; spec: HubEntrySpec },
): Promise<InstallResult> {
  const doc = configDoc(location);
  const { name, spec } = request;
  const desired = renderHubEntry(location, spec, ctx.launcher);
  const secret = spec.token !== undefined;
  const existing = doc.entries(text)?.[name];
  const entry = existing === undefined ? desired : mergeEntry(existing, desired);
  const previous = await ctx.records.get(location, name);
  // A literal token leaves the file: the mode it had before the token came goes back.
  const restoreMode = !secret && previous?.tokenLiteral ? previous.modeBefore : undefined;
  const modeBefore = secret ? (previous?.tokenLiteral ? previous.modeBefore : state.mode) : undefined;
  let created = pickCreated(previous);
  let next = text;
  let action: InstallResult['action'] = 'unchanged';
  if (existing === undefined || !sameJson(existing, entry) || secret) {
    const set = doc.set(text, name, entry);
    next = set.text;
    action = existing === undefined ? 'created' : 'updated';
    if (existing === undefined) created = { ...(state.exists ? {} : { fileCreated: true }), ...set.created };
  }
  let backup: string | undefined;
  let writtenHash: string | undefined;
  if (next !== state.text || secret || restoreMode !== undefined) {
    // A file install created has no original worth keeping.
    backup = previous?.fileCreated ? undefined : await backupOnce(state);
    const mode = secret ? SECRET_MODE : restoreMode;
    const outcome = await writeConfigFile(state, next, mode !== undefined ? { mode } : {});
    if (outcome.createdDirs.length > 0) created = { ...created, createdDirs: outcome.createdDirs };
    writtenHash = sha256(next);
  }
  await ctx.records.put({
    client: location.client,
    scope: location.scope,
    file: location.file,
    serversPath: [...location.serversPath],
    name,
    transport: spec.transport,
    ...(spec.config ? { config: spec.config } : {}),
    ...(spec.transport === 'http' ? { url: spec.url ?? DEFAULT_HUB_URL } : {}),
    ...(spec.tokenEnv ? { tokenEnv: spec.tokenEnv } : {}),
    ...(secret ? { tokenLiteral: true } : {}),
    ...(modeBefore !== undefined ? { modeBefore } : {}),
    ...created,
    installedAt: (ctx.now?.() ?? new Date()).toISOString(),
  });
  return {
    client: location.client,
    scope: location.scope,
    file: location.file,
    action,
    ...(backup ? { backup } : {}),
    secret,
    entry: redactEntry(entry),
    ...(writtenHash ? { writtenHash } : {}),
  };
}

/**
 * Writes the hub entry `name` into a client's file. An existing entry of that name is
 * replaced in the keys install owns; the operator's own keys in it (an `env`, `disabled`,
 * other headers) are kept. The request is remembered (without a literal token) for drift and
 * remove.
 */
export async function installHubEntry(ctx: ClientsContext, request: InstallRequest): Promise<InstallResult> {
  const scope = request.scope ?? 'user';
  const location = locationOf(clientCatalog(ctx.host), request.client, scope);
  checkTokenLiteralScope(request.spec, scope);
  renderHubEntry(location, request.spec, ctx.launcher); // USAGE before any file is touched
  return editConfigFile(ctx, location, (state) => writeHubEntry(ctx, location, state, state.text, request));
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
 * object, a final newline, the directories it made), when nothing else was added to it since,
 * so install then remove leaves the original bytes; a mode a literal token forced is put back.
 */
export async function removeHubEntry(ctx: ClientsContext, request: RemoveRequest): Promise<RemoveResult> {
  const scope = request.scope ?? 'user';
  const location = locationOf(clientCatalog(ctx.host), request.client, scope);
  const doc = configDoc(location);
  const base = { client: request.client, scope, file: location.file };
  return editConfigFile(ctx, location, async (state) => {
    const record = await ctx.records.get(location, request.name);
    if (!state.exists || doc.entries(state.text)?.[request.name] === undefined) {
      if (record) {
        await ctx.records.delete(location, request.name);
        if (!state.exists) await removeCreatedDirs(record.createdDirs ?? []);
      }
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
      const mode = record?.tokenLiteral ? record.modeBefore : undefined;
      await writeConfigFile(state, removed.text, mode !== undefined ? { mode } : {});
    }
    await ctx.records.delete(location, request.name);
    if (removed.deleteFile) await removeCreatedDirs(record?.createdDirs ?? []);
    return { ...base, action: 'removed', deletedFile: removed.deleteFile, ...(backup ? { backup } : {}) };
  });
}

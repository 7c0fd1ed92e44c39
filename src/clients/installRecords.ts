import { z } from 'zod';
import { readJsonState, withFileLock, writeJsonAtomic } from '../config/index.js';
import type { ClientLocation } from './catalog.js';
import { CLIENT_IDS, SCOPES } from './catalog.js';
import type { HubEntrySpec } from './hubEntry.js';

/**
 * What `install` was asked for at each location (transport, URL, token variable, config),
 * kept in `<state dir>/clients.json`, so `list`, `sync` and `watch` know "what install would
 * write now" without the original flags, and what the install created (a file, an object, a
 * final newline), so `remove` can take exactly that away. A literal token is never stored
 * here: only the fact that the entry holds one.
 */

const RecordSchema = z
  .object({
    client: z.enum(CLIENT_IDS),
    scope: z.enum(SCOPES),
    file: z.string().min(1),
    serversPath: z.array(z.string()),
    name: z.string().min(1),
    transport: z.enum(['stdio', 'http']),
    config: z.string().optional(),
    url: z.string().optional(),
    tokenEnv: z.string().optional(),
    tokenLiteral: z.boolean().optional(),
    fileCreated: z.boolean().optional(),
    createdPath: z.array(z.string()).optional(),
    addedFinalNewline: z.boolean().optional(),
    /** Directories the install created for the file, deepest first (remove takes them away if empty). */
    createdDirs: z.array(z.string()).optional(),
    /** The file's mode before a literal token forced 0600 (remove puts it back). */
    modeBefore: z.number().int().min(0).max(0o7777).optional(),
    installedAt: z.string(),
  })
  .strict();

const StoreSchema = z.object({ version: z.literal(1), installs: z.array(RecordSchema) }).strict();

export type InstallRecord = z.infer<typeof RecordSchema>;

export interface InstallRecords {
  get(location: ClientLocation, name: string): Promise<InstallRecord | undefined>;
  /** Adds or replaces the record of the same location and name. */
  put(record: InstallRecord): Promise<void>;
  delete(location: ClientLocation, name: string): Promise<void>;
}

type Place = Pick<ClientLocation, 'file' | 'serversPath'>;
const sameKey = (r: InstallRecord, location: Place, name: string) =>
  r.file === location.file &&
  r.name === name &&
  r.serversPath.join('\u0000') === location.serversPath.join('\u0000');

/** Records in the JSON file at `path`, read fresh on every call (another process may install). */
export function createInstallRecords(path: string): InstallRecords {
  const load = async () => (await readJsonState(StoreSchema, path)) ?? { version: 1 as const, installs: [] };
  const update = (change: (installs: InstallRecord[]) => InstallRecord[]) =>
    withFileLock(path, async () => {
      const store = await load();
      await writeJsonAtomic(path, { version: 1, installs: change(store.installs) });
    });
  return {
    get: async (location, name) => (await load()).installs.find((r) => sameKey(r, location, name)),
    put: (record) =>
      update((installs) => [...installs.filter((r) => !sameKey(r, record, record.name)), record]),
    delete: (location, name) => update((installs) => installs.filter((r) => !sameKey(r, location, name))),
  };
}

/** The spec a record stands for (a literal token is taken from the file by the caller). */
export function specOfRecord(record: InstallRecord): HubEntrySpec {
  return {
    transport: record.transport,
    ...(record.config ? { config: record.config } : {}),
    ...(record.url ? { url: record.url } : {}),
    ...(record.tokenEnv && !record.tokenLiteral ? { tokenEnv: record.tokenEnv } : {}),
  };
}

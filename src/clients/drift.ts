import { FleetError } from '../errors/index.js';
import type { ClientId, ClientLocation, Scope } from './catalog.js';
import { CLIENT_LABELS, clientCatalog } from './catalog.js';
import { configDoc } from './configDoc.js';
import { readConfigFile } from './configFile.js';
import type { ClientsContext } from './context.js';
import { foundClients } from './context.js';
import {
  bearerLiteral,
  entryAuthorization,
  entryDrift,
  type HubEntrySpec,
  type HubTransport,
  localHubUpArgs,
  mergeEntry,
  renderHubEntry,
} from './hubEntry.js';
import type { InstallRecord } from './installRecords.js';
import { specOfRecord } from './installRecords.js';

/**
 * Drift: an installed hub entry that differs, in the keys install owns, from what install
 * would write now: the launcher moved (a new Node, the package reinstalled elsewhere), a URL
 * or token reference was edited by hand, an entry was half-rewritten by the client.
 */

export interface Desired {
  spec: HubEntrySpec;
  /** The entry to write (the installed one's own extra keys kept). */
  entry: Record<string, unknown>;
  drift: string[];
}

/** An entry of the hub's name that mcp-fleet did not write and does not recognise as its own. */
export interface Unmanaged {
  unmanaged: string;
}

export const UNMANAGED_REASON =
  'not managed by mcp-fleet: no install record, and it does not start a local mcp-fleet with `up --stdio`; left as it is (`clients install` replaces it)';

/**
 * What install would write now over `installed`: from the install record when there is one,
 * else, for an entry that is recognisably a local mcp-fleet, the same launch with the entry's
 * own arguments kept. Anything else of that name is `Unmanaged` and must not be touched.
 * Throws USAGE when it cannot be recomputed (a literal token that is no longer in the file, a
 * reference this client cannot expand).
 */
export function desiredEntry(
  ctx: ClientsContext,
  location: ClientLocation,
  installed: unknown,
  record: InstallRecord | undefined,
): Desired | Unmanaged {
  let spec: HubEntrySpec;
  if (record) spec = specOfRecord(record);
  else {
    const upArgs = localHubUpArgs(installed);
    if (!upArgs) return { unmanaged: UNMANAGED_REASON };
    spec = { transport: 'stdio', upArgs };
  }
  if (record?.tokenLiteral) {
    const token = bearerLiteral(entryAuthorization(installed));
    if (token === undefined) {
      throw new FleetError(
        'USAGE',
        'the literal token is gone from the entry; install again with --token-literal',
        {
          file: location.file,
        },
      );
    }
    spec = { ...spec, token };
  }
  const rendered = renderHubEntry(location, spec, ctx.launcher);
  return { spec, entry: mergeEntry(installed, rendered), drift: entryDrift(installed, rendered) };
}

export interface LocationStatus {
  client: ClientId;
  scope: Scope;
  file: string;
  exists: boolean;
  installed: boolean;
  /** An entry of that name is there but mcp-fleet does not manage it (why); `installed` is false. */
  unmanaged?: string;
  transport?: HubTransport;
  /** Keys install owns that differ from what it would write now (empty: in sync). */
  drift: string[];
  /** Why this location cannot be read or recomputed, if so. */
  error?: string;
}

/** The hub entry's state at one location; a file that cannot be parsed is reported, not thrown. */
export async function inspectLocation(
  ctx: ClientsContext,
  location: ClientLocation,
  name: string,
): Promise<LocationStatus> {
  const base = { client: location.client, scope: location.scope, file: location.file };
  let state: Awaited<ReturnType<typeof readConfigFile>>;
  let installed: unknown;
  try {
    state = await readConfigFile(location.file);
    installed = state.exists ? configDoc(location).entries(state.text)?.[name] : undefined;
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    return { ...base, exists: true, installed: false, drift: [], error: error.message };
  }
  if (installed === undefined) return { ...base, exists: state.exists, installed: false, drift: [] };
  try {
    const record = await ctx.records.get(location, name);
    const desired = desiredEntry(ctx, location, installed, record);
    if ('unmanaged' in desired)
      return { ...base, exists: true, installed: false, unmanaged: desired.unmanaged, drift: [] };
    return {
      ...base,
      exists: true,
      installed: true,
      transport: desired.spec.transport,
      drift: desired.drift,
    };
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    return { ...base, exists: true, installed: true, drift: [], error: error.message };
  }
}

export interface ClientStatus {
  client: ClientId;
  label: string;
  found: boolean;
  locations: LocationStatus[];
}

/**
 * Every known client: found or not, and for a found one its user location, its project file
 * in the working directory if there is one, and any other location holding the entry.
 */
export async function listClients(ctx: ClientsContext, name: string): Promise<ClientStatus[]> {
  const found = new Set((await foundClients(ctx.host)).map((c) => c.id));
  return Promise.all(
    clientCatalog(ctx.host).map(async (info) => {
      if (!found.has(info.id))
        return { client: info.id, label: CLIENT_LABELS[info.id], found: false, locations: [] };
      const statuses = await Promise.all(info.locations.map((l) => inspectLocation(ctx, l, name)));
      const locations = statuses.filter(
        (s) =>
          s.scope === 'user' ||
          s.installed ||
          s.unmanaged !== undefined ||
          (s.scope === 'project' && s.exists),
      );
      return { client: info.id, label: info.label, found: true, locations };
    }),
  );
}

import { join } from 'node:path';
import { pathExists, withFileLock } from '../config/index.js';
import { FleetError } from '../errors/index.js';
import type { ClientInfo, ClientLocation, ClientsHost } from './catalog.js';
import { clientCatalog } from './catalog.js';
import { ConcurrentEditError, type ConfigFileState, readConfigFile, sha256 } from './configFile.js';
import type { Launcher } from './hubEntry.js';
import type { InstallRecords } from './installRecords.js';

/** What every clients operation needs; built once at the CLI edge, faked in tests. */
export interface ClientsContext {
  host: ClientsHost;
  /** How a client starts mcp-fleet over stdio (node and the absolute script path). */
  launcher: Launcher;
  records: InstallRecords;
  /** Where the per-file locks live (in mcp-fleet's state, not in the clients' directories). */
  lockDir: string;
  now?: () => Date;
}

/** Clients whose config directory, or one of whose config files (a project's too), exists. */
export async function foundClients(host: ClientsHost): Promise<ClientInfo[]> {
  const catalog = clientCatalog(host);
  const found = await Promise.all(
    catalog.map(async (c) => {
      const paths = [...c.markers, ...c.locations.map((l) => l.file)];
      return (await Promise.all(paths.map(pathExists))).some(Boolean);
    }),
  );
  return catalog.filter((_, i) => found[i]);
}

/** Every location of every found client: the places `sync` and `watch` look at. */
export async function candidateLocations(host: ClientsHost): Promise<ClientLocation[]> {
  return (await foundClients(host)).flatMap((c) => [...c.locations]);
}

/** Tries of one read-modify-write when the client rewrites its file in between. */
const EDIT_ATTEMPTS = 3;

/**
 * Runs a read-modify-write of a client's file holding a per-file lock (so `watch` and an
 * `install` in another terminal do not interleave), again from a fresh read when the file
 * changed under it (the client app itself may rewrite its file at any time).
 */
export async function editConfigFile<T>(
  ctx: ClientsContext,
  location: ClientLocation,
  edit: (state: ConfigFileState) => Promise<T>,
): Promise<T> {
  const { real } = await readConfigFile(location.file);
  const lock = join(ctx.lockDir, sha256(real).slice(0, 24));
  return withFileLock(lock, async () => {
    for (let attempt = 1; ; attempt++) {
      const state = await readConfigFile(location.file);
      try {
        return await edit(state);
      } catch (error) {
        if (!(error instanceof ConcurrentEditError)) throw error;
        if (attempt >= EDIT_ATTEMPTS) {
          throw new FleetError(
            'CONFIG_INVALID',
            `${location.file} keeps changing while mcp-fleet edits it (nothing was written); try again`,
            {
              file: location.file,
            },
          );
        }
      }
    }
  });
}

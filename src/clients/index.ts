export type { ClientId, ClientInfo, ClientLocation, ClientsHost, FileFormat, Scope } from './catalog.js';
export {
  CLIENT_IDS,
  CLIENT_LABELS,
  clientCatalog,
  locationOf,
  parseClientId,
  parseScope,
  SCOPES,
} from './catalog.js';
export type { ClientsContext } from './context.js';
export type { ClientStatus, LocationStatus } from './drift.js';
export { listClients } from './drift.js';
export type { EntryFlags } from './entryFlags.js';
export { hubEntryName, specFromFlags } from './entryFlags.js';
export type { HubEntrySpec, HubTransport, Launcher } from './hubEntry.js';
export { DEFAULT_HUB_URL, DEFAULT_TOKEN_ENV } from './hubEntry.js';
export type { FleetServerEntry, ImportPlan, LeftServer, PlannedServer } from './importPlan.js';
export type { AddFleetServers, ImportReport, ImportRequest } from './importServers.js';
export { importServers } from './importServers.js';
export type { InstallRequest, InstallResult, RemoveRequest, RemoveResult } from './install.js';
export { installHubEntry, removeHubEntry } from './install.js';
export type { InstallRecord, InstallRecords } from './installRecords.js';
export { createInstallRecords } from './installRecords.js';
export { looksSecret } from './secrets.js';
export type { SyncResult } from './sync.js';
export { syncClients } from './sync.js';
export type { ClientsWatch, ClientsWatchOptions, DirWatcher } from './watch.js';
export { startClientsWatch } from './watch.js';

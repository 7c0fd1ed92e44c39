export type { Credential, CredentialRef } from './credentials.js';
export { configPath, resolveCredential } from './credentials.js';
export type { Connector, EnrolledEntry, Inventory, InventoryDevice, InventorySources } from './inventory.js';
export { loadInventory, readFleetConfig } from './inventory.js';
export type {
  ChainedHubConfig,
  DeviceConfig,
  FleetConfig,
  PrincipalConfig,
  Role,
  ServerConfig,
} from './schema.js';
export { DeviceName, FleetConfigSchema, ServerName } from './schema.js';
export type { ResolvedSsh, ResolveSshDeps } from './sshSettings.js';
export { resolveSsh } from './sshSettings.js';

export type { AgentConfig } from './agentConfig.js';
export {
  AgentConfigSchema,
  AuditSettingsSchema,
  defaultStateDir,
  ListenSchema,
  LogSettingsSchema,
  TokenEntrySchema,
} from './agentConfig.js';
export type { FileLockOptions } from './jsonState.js';
export { createSerializer, readJsonState, withFileLock, writeJsonAtomic } from './jsonState.js';
export type { ConfigProblem } from './loadYaml.js';
export { formatProblems, loadYamlConfig, parseYamlConfig } from './loadYaml.js';
export type { FileOwnership, TextFile } from './textFile.js';
export { pathExists, readTextFile, writeTextAtomic } from './textFile.js';

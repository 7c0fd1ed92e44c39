export {
  appendTooLarge,
  checkPathArgument,
  fileKind,
  HASH_LIMIT_BYTES,
  hashMismatch,
  MAX_DIR_ENTRIES,
  modeString,
  needsOldContent,
  rangeToRead,
  readTailLines,
  tempNameFor,
  writeMode,
  writeResult,
} from './fileRules.js';
export type { LocalDeviceOptions } from './local/localDevice.js';
export { createLocalDevice } from './local/localDevice.js';
export { isGroupAlive, killProcessGroup } from './local/processGroup.js';
export type {
  Device,
  DeviceCapabilities,
  DirEntry,
  DiskUsage,
  ExecControl,
  ExecResult,
  ExecSpec,
  FileStat,
  NetworkAddress,
  ReadFileResult,
  ReadFileSpec,
  WriteFileResult,
  WriteFileSpec,
} from './types.js';

export type { BecomeRules } from './become.js';
export type { ShellStream } from './bridge.js';
export { SshChannelTransport } from './channelTransport.js';
export type { SshConnection, SshTarget } from './connection.js';
export { createSshConnection } from './connection.js';
export type { SshConfigHost } from './sshConfigFile.js';
export { readSshConfig } from './sshConfigFile.js';
export type { SshDevice, SshDeviceOptions } from './sshDevice.js';
export { createSshDevice } from './sshDevice.js';

export { hubStateDir } from './enroll/index.js';
export type { HubFlags, HubSettings } from './hubSettings.js';
export { DEFAULT_HUB_LISTEN, resolveHubSettings } from './hubSettings.js';
export type { HubDeps, HubOptions, RunningHub } from './runHub.js';
export { runHub } from './runHub.js';

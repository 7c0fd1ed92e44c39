export type { BackoffOptions } from './backoff.js';
export type {
  CallToolOptions,
  DownstreamDeps,
  DownstreamServer,
  DownstreamStatus,
} from './downstreamServer.js';
export { createDownstreamServer } from './downstreamServer.js';
export type { Passthrough, PassthroughEntry, PassthroughTool } from './passthrough.js';
export { createPassthrough, SEPARATOR } from './passthrough.js';
export { stdioChildEnv } from './stdioTransport.js';

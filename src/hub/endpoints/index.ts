export type { AgentEndpointOptions } from './agentEndpoint.js';
export { createAgentEndpoint } from './agentEndpoint.js';
export type { ChainedHub, ChainedHubOptions, RemoteDevice } from './chainedHub.js';
export { createChainedHub } from './chainedHub.js';
export { classifyDownstreamError } from './classify.js';
export type { LocalEndpointOptions } from './localEndpoint.js';
export { createLocalEndpoint } from './localEndpoint.js';
export type { Endpoint, EndpointCallOptions } from './types.js';

export type { HttpFrontState } from './admission.js';
export {
  admit,
  answerHealthz,
  closeWhenAsked,
  readBodyBytes,
  readRpcBody,
  reply,
  rpcError,
} from './admission.js';
export type { TokenEntry } from './auth.js';
export { generateToken, hashToken, verifyBearer } from './auth.js';
export type { HttpFrontDeps } from './httpServer.js';
export { createHttpFront } from './httpServer.js';
export { createIdleTimer } from './idleTimer.js';
export type { McpServerDeps } from './mcpServer.js';
export { createMcpServerFactory } from './mcpServer.js';
export type { ProgressRequest } from './progress.js';
export { progressNotifier } from './progress.js';
export type { GuardOptions } from './requestGuards.js';
export { checkRequest, isLoopbackHost } from './requestGuards.js';
export type { AgentDeps, AgentOptions, RunningAgent } from './runAgent.js';
export { runAgent } from './runAgent.js';
export type { AgentFlags, AgentSettings } from './settings.js';
export { parseListen, resolveAgentSettings } from './settings.js';
export { listenFds } from './socketActivation.js';

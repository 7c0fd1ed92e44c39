export type { EnrolledDevice, EnrolledStore } from './enrolledDevices.js';
export { createEnrolledStore, EnrolledFileSchema, EnrollTagName, EnrollUrl } from './enrolledDevices.js';
export type { EnrollDeps, EnrollResponse } from './enrollRequest.js';
export { EnrollBodySchema, handleEnroll } from './enrollRequest.js';
export type { JoinTokenStore, JoinTokenStoreDeps } from './joinTokens.js';
export {
  createJoinTokenStore,
  DEFAULT_JOIN_TTL_MS,
  generateJoinToken,
  JoinTokensFileSchema,
  MAX_JOIN_TTL_MS,
  parseTtl,
} from './joinTokens.js';
export { ENROLLED_FILE, enrolledPath, hubStateDir, JOIN_TOKENS_FILE, joinTokensPath } from './stateDir.js';

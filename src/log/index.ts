export type { Logger } from './logger.js';
export { createLogger } from './logger.js';

export type { FleetErrorCode } from './fleetError.js';
export { FleetError, fromSystemError, isOperatorError } from './fleetError.js';

export type { FleetErrorCode } from './fleetError.js';
export { FleetError, fromSystemError, isOperatorError, markOperator } from './fleetError.js';

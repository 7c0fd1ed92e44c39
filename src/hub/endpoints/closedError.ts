import { FleetError } from '../../errors/index.js';

/**
 * The error of a call cut off because the hub closed the device's connection (a shutdown, or a
 * reload that dropped the device). CANCELLED, not UNAVAILABLE: the device did nothing wrong, so
 * it must not read as down or count against its presence. Shared so every endpoint says the same.
 */
export function hubClosedError(device: string): FleetError {
  return new FleetError(
    'CANCELLED',
    `${device}: the hub closed its connection (shutting down, or the device left the inventory)`,
    { device },
  );
}

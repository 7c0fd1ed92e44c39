import { FleetError } from '../../errors/index.js';
import { errorCodes, unreachableCode } from '../unreachable.js';

/**
 * Turns whatever a downstream client threw into a FleetError with a stable code: the device
 * was not there (UNAVAILABLE, `data.unreachable`), refused our credential (UNAUTHORIZED),
 * or answered with something we could not use (UPSTREAM_ERROR).
 */
export function classifyDownstreamError(error: unknown, device: string): FleetError {
  if (error instanceof FleetError) return error;
  const codes = errorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  const network = unreachableCode(error);
  if (network) {
    return new FleetError('UNAVAILABLE', `${device} is unreachable (${network})`, {
      device,
      unreachable: true,
    });
  }
  if (
    codes.includes('CLIENT_HTTP_AUTHENTICATION') ||
    codes.includes('CLIENT_HTTP_FORBIDDEN') ||
    /\b40[13]\b/.test(message)
  ) {
    return new FleetError('UNAUTHORIZED', `${device} refused the hub's credential: ${message}`, { device });
  }
  if (codes.includes('REQUEST_TIMEOUT')) {
    return new FleetError('TIMEOUT', `${device} did not answer in time`, { device });
  }
  if (codes.includes('CONNECTION_CLOSED')) {
    return new FleetError('UNAVAILABLE', `${device} closed the connection`, { device, unreachable: true });
  }
  return new FleetError('UPSTREAM_ERROR', `${device}: ${message}`, { device });
}

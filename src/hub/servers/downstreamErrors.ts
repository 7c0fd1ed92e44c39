import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { FleetError } from '../../errors/index.js';
import { errorCodes, unreachableCode } from '../unreachable.js';

/** SDK failures that mean the connection itself is gone, not that one request went wrong. */
const CONNECTION_LOST = new Set<string>([
  SdkErrorCode.ConnectionClosed,
  SdkErrorCode.NotConnected,
  SdkErrorCode.SendFailed,
]);

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Whether a failed request means the connection is broken (the server process died, the HTTP
 * session expired or the host went away), so the supervisor should reconnect.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof ProtocolError) return false;
  if (error instanceof SdkError && CONNECTION_LOST.has(error.code)) return true;
  if (httpStatus(error) === 404) return true; // Streamable HTTP: the session is unknown to the server
  return unreachableCode(error) !== undefined;
}

/** Whether retrying soon cannot help: the command does not exist, or the server refused our credential. */
export function isPermanentFailure(error: unknown): boolean {
  const codes = errorCodes(error);
  if (error instanceof FleetError && error.code === 'EXEC_FAILED') {
    const errno = error.data.errno;
    return errno === 'ENOENT' || errno === 'EACCES' || errno === 'ENOTDIR';
  }
  return (
    codes.includes(SdkErrorCode.ClientHttpAuthentication) || codes.includes(SdkErrorCode.ClientHttpForbidden)
  );
}

/** Whether the connect failed during the era probe (e.g. a server that exits on any pre-initialize request). */
export function isEraNegotiationFailure(error: unknown): boolean {
  return errorCodes(error).includes(SdkErrorCode.EraNegotiationFailed);
}

/**
 * Turns whatever a downstream request threw into a FleetError the hub can report as a tool
 * result: CANCELLED (the caller aborted), TIMEOUT, UNAVAILABLE (the connection is gone),
 * UNAUTHORIZED, or UPSTREAM_ERROR (the server answered with an error or something unusable).
 */
export function toFleetError(server: string, error: unknown, signal?: AbortSignal): FleetError {
  if (error instanceof FleetError) return error;
  if (signal?.aborted) return new FleetError('CANCELLED', `the call to ${server} was cancelled`, { server });
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ProtocolError) {
    return new FleetError('UPSTREAM_ERROR', `${server}: ${message}`, { server, rpc_code: error.code });
  }
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    return new FleetError('TIMEOUT', `${server} did not answer in time`, { server });
  }
  if (isPermanentFailure(error)) {
    return new FleetError('UNAUTHORIZED', `${server} refused the hub's credential: ${message}`, { server });
  }
  if (isConnectionLost(error)) {
    return new FleetError('UNAVAILABLE', `${server}: connection lost (${message})`, { server });
  }
  return new FleetError('UPSTREAM_ERROR', `${server}: ${message}`, { server });
}

/** A short human reason for `status().last_error`. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

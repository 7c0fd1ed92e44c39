/**
 * Local (in-process) errors. Every error the project raises on purpose carries a stable
 * string `code` that callers branch on, and typed `data`; the message is for humans only.
 * Wire (JSON-RPC) errors are the SDK's `ProtocolError`, kept apart: a `FleetError` becomes a
 * tool result with `isError: true`, never a protocol error, so the model can read it.
 */
export type FleetErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'USAGE'
  | 'POLICY_DENIED'
  | 'PATH_OUTSIDE_ROOTS'
  | 'NOT_FOUND'
  | 'NOT_A_FILE'
  | 'NOT_A_DIRECTORY'
  | 'FILE_TOO_LARGE'
  | 'HASH_MISMATCH'
  | 'EXEC_FAILED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'LIMIT_CONCURRENCY'
  | 'UNAVAILABLE'
  | 'INVALID_ARGUMENT'
  | 'IO_ERROR'
  | 'LISTEN_REFUSED'
  /** A hub target expression that names nothing or cannot be parsed. */
  | 'INVALID_TARGETS'
  /** The hub's heartbeat says the device is down: the call fails fast instead of waiting. */
  | 'DEVICE_DOWN'
  /** The fan-out's overall deadline passed before this device answered. */
  | 'DEADLINE'
  /** A downstream MCP server answered with a protocol error or something unreadable. */
  | 'UPSTREAM_ERROR'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED'
  /** An SSH server offered a host key that is unknown, changed, revoked or not the pinned one. */
  | 'HOST_KEY_REJECTED'
  /** An SSH server refused every credential offered (keys, ssh-agent). */
  | 'AUTH_FAILED';

export class FleetError<D extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: FleetErrorCode;
  readonly data: D;

  constructor(code: FleetErrorCode, message: string, data?: D, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FleetError';
    this.code = code;
    this.data = data ?? ({} as D);
  }
}

/**
 * True for errors the operator caused or must deal with, not defects: exit 2, one line. By code
 * (a bad flag, a bad config, a refused listen address or token), or by an explicit
 * `data.operator: true`: UNAVAILABLE or TIMEOUT are per-call results inside the agent and hub,
 * so only the CLI marks the ones that are the operator's to resolve (a hub or registry it
 * cannot reach, a file another command keeps locked). See `markOperator`.
 */
export function isOperatorError(error: unknown): error is FleetError {
  return (
    error instanceof FleetError &&
    (error.data.operator === true ||
      error.code === 'CONFIG_INVALID' ||
      error.code === 'CONFIG_NOT_FOUND' ||
      error.code === 'USAGE' ||
      error.code === 'LISTEN_REFUSED' ||
      error.code === 'INVALID_TARGETS' ||
      error.code === 'UNAUTHORIZED')
  );
}

/**
 * The same error (code, message, data and all), marked as the operator's to resolve so the CLI
 * prints it as one line with exit 2 (isOperatorError). For the CLI edge only.
 */
export function markOperator(error: FleetError): FleetError {
  return new FleetError(error.code, error.message, { ...error.data, operator: true }, { cause: error });
}

/** Maps a Node system error (ENOENT, EACCES, …) to a FleetError with a stable code. */
export function fromSystemError(error: unknown, path: string): FleetError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new FleetError('NOT_FOUND', `no such file or directory: ${path}`, { path });
  if (code === 'EISDIR') return new FleetError('NOT_A_FILE', `is a directory: ${path}`, { path });
  if (code === 'ENOTDIR') return new FleetError('NOT_A_DIRECTORY', `not a directory: ${path}`, { path });
  if (code === 'EACCES' || code === 'EPERM')
    return new FleetError('IO_ERROR', `permission denied: ${path}`, { path, errno: code });
  const message = error instanceof Error ? error.message : String(error);
  return new FleetError('IO_ERROR', `${message}`, { path, errno: code ?? null });
}

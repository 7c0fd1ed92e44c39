import { FleetError } from '../errors/index.js';
import { forDisplay } from '../policy/decision.js';

const ERROR_MAX_CHARS = 200;

/** System error codes meaning nothing is there to answer, as opposed to an answer that was slow or bad. */
const UNREACHABLE_CODES = new Set(
  'ECONNREFUSED ECONNRESET ENOTFOUND EAI_AGAIN EHOSTUNREACH ENETUNREACH EHOSTDOWN ENETDOWN EPIPE UND_ERR_SOCKET UND_ERR_CLOSED'.split(
    ' ',
  ),
);

/**
 * The system error code (on the error or one of its causes: fetch wraps the socket error as
 * `cause`) saying the device is not there at all, or `UNREACHABLE` for a FleetError a connector
 * already classified so.
 */
export function unreachableCode(error: unknown): string | undefined {
  if (error instanceof FleetError && error.data.unreachable === true) return 'UNREACHABLE';
  return errorCodes(error).find((code) => UNREACHABLE_CODES.has(code));
}

/** Every string `code` on an error and its causes (fetch and the SDK wrap the socket error). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  // Bounded walk: cause chains can be cyclic.
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Whether nothing answered at that address, which makes a device down at once instead of after `downAfter` failures. */
export function isUnreachable(error: unknown): boolean {
  return unreachableCode(error) !== undefined;
}

/** One line for `last_error`: it reaches logs and the model, so no control characters and no essays. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = unreachableCode(error);
  const text =
    code !== undefined && code !== 'UNREACHABLE' && !message.includes(code)
      ? `${message} (${code})`
      : message;
  return forDisplay(text, ERROR_MAX_CHARS);
}

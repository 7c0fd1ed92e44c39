import { FleetError } from '../../errors/index.js';
import { forDisplay } from '../../policy/decision.js';
import { errorCodes, unreachableCode } from '../unreachable.js';

/**
 * Longest message kept from a downstream error: it reaches the model and the logs, and a
 * misbehaving device (a proxy's HTML error page, a dump of bytes) must not flood either.
 */
const MESSAGE_MAX_CHARS = 200;
/** Longest excerpt of an HTTP error body quoted in a message. */
const BODY_MAX_CHARS = 120;

/** The HTTP status the SDK's transport saw (`SdkHttpError` keeps it in `data.status`). */
function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = (error as { data?: unknown }).data;
  const status =
    typeof data === 'object' && data !== null ? (data as { status?: unknown }).status : undefined;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

/** The body the transport read with an HTTP error, as one short line of text (tags dropped). */
function bodyExcerpt(error: unknown): string {
  const data = (error as { data?: { text?: unknown } }).data;
  const text = typeof data?.text === 'string' ? data.text : '';
  const plain = text
    .slice(0, 4096)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === '' ? '' : `: ${forDisplay(plain, BODY_MAX_CHARS)}`;
}

/**
 * The innermost message of an error and its causes: fetch throws `fetch failed` and keeps what
 * happened (a parse error, a reset) in `cause`, which is what an operator needs to read.
 */
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let current: unknown = error instanceof Error ? error.cause : undefined;
  // Bounded walk: cause chains can be cyclic.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

/**
 * Turns whatever a downstream client threw into a FleetError with a stable code: the device
 * was not there (UNAVAILABLE, `data.unreachable`), refused our credential (UNAUTHORIZED),
 * or answered with something we could not use (UPSTREAM_ERROR: bytes that are not HTTP, an
 * HTTP error status, a broken JSON-RPC reply). Messages name the device and are bounded and
 * free of control characters, whatever the device sent.
 */
export function classifyDownstreamError(error: unknown, device: string): FleetError {
  if (error instanceof FleetError) return error;
  const codes = errorCodes(error);
  const message = forDisplay(error instanceof Error ? error.message : String(error), MESSAGE_MAX_CHARS);
  const status = httpStatus(error);
  const network = unreachableCode(error);
  if (network) {
    return new FleetError('UNAVAILABLE', `${device} is unreachable (${network})`, {
      device,
      unreachable: true,
    });
  }
  // The status when the transport kept one; the message only otherwise, since an error page
  // quoted in a message may contain any number.
  if (
    status === 401 ||
    status === 403 ||
    codes.includes('CLIENT_HTTP_AUTHENTICATION') ||
    codes.includes('CLIENT_HTTP_FORBIDDEN') ||
    (status === undefined && /\b40[13]\b/.test(message))
  ) {
    return new FleetError('UNAUTHORIZED', `${device} refused the hub's credential: ${message}`, { device });
  }
  if (codes.includes('REQUEST_TIMEOUT')) {
    return new FleetError('TIMEOUT', `${device} did not answer in time`, { device });
  }
  if (codes.includes('CONNECTION_CLOSED')) {
    return new FleetError('UNAVAILABLE', `${device} closed the connection`, { device, unreachable: true });
  }
  // llhttp's codes (HPE_INVALID_CONSTANT, …): the bytes that came back were not an HTTP response.
  const parse = codes.find((code) => code.startsWith('HPE_'));
  if (parse) {
    return new FleetError(
      'UPSTREAM_ERROR',
      `${device} answered something that is not HTTP (${parse}: ${forDisplay(innermostMessage(error), MESSAGE_MAX_CHARS)})`,
      { device },
    );
  }
  if (status !== undefined) {
    return new FleetError('UPSTREAM_ERROR', `${device} answered HTTP ${status}${bodyExcerpt(error)}`, {
      device,
      status,
    });
  }
  const inner = forDisplay(innermostMessage(error), MESSAGE_MAX_CHARS);
  return new FleetError(
    'UPSTREAM_ERROR',
    inner === message || message.includes(inner)
      ? `${device}: ${message}`
      : `${device}: ${message} (${inner})`,
    { device },
  );
}

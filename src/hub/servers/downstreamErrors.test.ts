import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { ServerSchema } from '../inventory/schema.js';
import { usesSse } from './downstreamConnection.js';
import {
  isConnectionLost,
  isEraNegotiationFailure,
  isPermanentFailure,
  toFleetError,
} from './downstreamErrors.js';

describe('toFleetError', () => {
  it('maps what the SDK throws to stable codes', () => {
    expect(toFleetError('s', new ProtocolError(-32601, 'no such tool')).code).toBe('UPSTREAM_ERROR');
    expect(toFleetError('s', new SdkError(SdkErrorCode.RequestTimeout, 'late')).code).toBe('TIMEOUT');
    expect(toFleetError('s', new SdkError(SdkErrorCode.ConnectionClosed, 'gone')).code).toBe('UNAVAILABLE');
    expect(toFleetError('s', new SdkError(SdkErrorCode.ClientHttpAuthentication, '401')).code).toBe(
      'UNAUTHORIZED',
    );
    expect(toFleetError('s', new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } })).code).toBe(
      'UNAVAILABLE',
    );
    expect(toFleetError('s', new Error('odd')).code).toBe('UPSTREAM_ERROR');
  });

  it('says CANCELLED whatever was thrown once the caller aborted', () => {
    const abort = new AbortController();
    abort.abort();
    expect(toFleetError('s', new Error('AbortError'), abort.signal).code).toBe('CANCELLED');
  });

  it('passes a FleetError through', () => {
    const error = new FleetError('UNAVAILABLE', 'down');
    expect(toFleetError('s', error)).toBe(error);
  });
});

describe('failure classes', () => {
  it('tells a lost connection from a failed request', () => {
    expect(isConnectionLost(new SdkError(SdkErrorCode.SendFailed, 'x'))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('session not found'), { status: 404 }))).toBe(true);
    expect(isConnectionLost(new ProtocolError(-32000, 'x'))).toBe(false);
    expect(isConnectionLost(new SdkError(SdkErrorCode.RequestTimeout, 'x'))).toBe(false);
  });

  it('treats a missing command and a refused credential as permanent', () => {
    expect(isPermanentFailure(new FleetError('EXEC_FAILED', 'x', { errno: 'ENOENT' }))).toBe(true);
    expect(isPermanentFailure(new FleetError('EXEC_FAILED', 'x', { errno: 'EMFILE' }))).toBe(false);
    expect(isPermanentFailure(new SdkError(SdkErrorCode.ClientHttpForbidden, 'x'))).toBe(true);
    expect(isPermanentFailure(new Error('exited with code 1'))).toBe(false);
  });

  it('finds an era negotiation failure behind a wrapper', () => {
    const probe = new SdkError(SdkErrorCode.EraNegotiationFailed, 'closed during probe');
    expect(isEraNegotiationFailure(new FleetError('UNAVAILABLE', 'exited', {}, { cause: probe }))).toBe(true);
    expect(isEraNegotiationFailure(new Error('x'))).toBe(false);
  });
});

describe('usesSse', () => {
  const server = (raw: Record<string, unknown>) => ServerSchema.parse(raw);
  it('follows the transport setting, else a URL path ending in /sse', () => {
    expect(usesSse(server({ url: 'http://h/mcp' }))).toBe(false);
    expect(usesSse(server({ url: 'http://h/sse' }))).toBe(true);
    expect(usesSse(server({ url: 'http://h/sse/' }))).toBe(true);
    expect(usesSse(server({ url: 'http://h/sse', transport: 'streamable-http' }))).toBe(false);
    expect(usesSse(server({ url: 'http://h/mcp', transport: 'sse' }))).toBe(true);
    expect(usesSse(server({ command: 'x' }))).toBe(false);
  });
});

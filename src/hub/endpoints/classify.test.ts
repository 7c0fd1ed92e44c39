import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { classifyDownstreamError } from './classify.js';

/** What undici throws for a reply that is not HTTP: `fetch failed`, the parser's error as cause. */
function notHttp(): Error {
  const parser = Object.assign(new Error('Response does not match the HTTP/1.1 protocol (Expected HTTP/)'), {
    code: 'HPE_INVALID_CONSTANT',
  });
  return new TypeError('fetch failed', { cause: parser });
}

const html500 = (text: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
    status: 500,
    statusText: 'Internal Server Error',
    text,
  });

describe('classifyDownstreamError', () => {
  it('keeps a FleetError as it is', () => {
    const error = new FleetError('TIMEOUT', 'no answer within 3 s');
    expect(classifyDownstreamError(error, 'pi')).toBe(error);
  });

  it('names bytes that are not HTTP, with the parser’s reason instead of "fetch failed"', () => {
    const result = classifyDownstreamError(notHttp(), 'pi');
    expect(result.code).toBe('UPSTREAM_ERROR');
    expect(result.message).toBe(
      'pi answered something that is not HTTP (HPE_INVALID_CONSTANT: Response does not match the HTTP/1.1 protocol (Expected HTTP/))',
    );
    expect(result.data.unreachable).toBeUndefined();
  });

  it('finds the parse error under the SDK’s negotiation error too (garbage at connect)', () => {
    const probe = new SdkError(
      SdkErrorCode.EraNegotiationFailed,
      'Version negotiation probe failed: fetch failed',
      undefined,
      {
        cause: notHttp(),
      },
    );
    const result = classifyDownstreamError(probe, 'pi');
    expect(result.code).toBe('UPSTREAM_ERROR');
    expect(result.message).toMatch(/^pi answered something that is not HTTP \(HPE_INVALID_CONSTANT: /);
  });

  it('reports an HTTP error status with a short, tag-free excerpt of the page', () => {
    const result = classifyDownstreamError(
      html500('<html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>\n'),
      'pi',
    );
    expect(result.code).toBe('UPSTREAM_ERROR');
    expect(result.message).toBe('pi answered HTTP 500: 500 Internal Server Error nginx');
    expect(result.data.status).toBe(500);
  });

  it('bounds what a device can put in a message: a huge error page is cut, control characters escaped', () => {
    const result = classifyDownstreamError(html500(`<p>${'x'.repeat(100_000)}\u001b[31m</p>`), 'pi');
    expect(result.message.length).toBeLessThan(200);
    expect(result.message).toMatch(/^pi answered HTTP 500: x+…$/);
    const plain = classifyDownstreamError(new Error(`bad\u001b[2J${'y'.repeat(10_000)}`), 'pi');
    expect(plain.code).toBe('UPSTREAM_ERROR');
    expect(plain.message).not.toContain('\u001b');
    expect(plain.message.length).toBeLessThan(260);
  });

  it('a number in an error page is not an authentication failure; the status decides', () => {
    const result = classifyDownstreamError(html500('<p>upstream 401 retries exhausted</p>'), 'pi');
    expect(result.code).toBe('UPSTREAM_ERROR');
    const denied = new SdkHttpError(SdkErrorCode.ClientHttpForbidden, 'Forbidden', { status: 403 });
    expect(classifyDownstreamError(denied, 'pi').code).toBe('UNAUTHORIZED');
    expect(classifyDownstreamError(new Error('HTTP 401 from agent'), 'pi').code).toBe('UNAUTHORIZED');
  });

  it('a reset or refused connection is UNAVAILABLE and marks the device unreachable', () => {
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    const result = classifyDownstreamError(reset, 'pi');
    expect(result.code).toBe('UNAVAILABLE');
    expect(result.message).toBe('pi is unreachable (UND_ERR_SOCKET)');
    expect(result.data.unreachable).toBe(true);
  });

  it('keeps a JSON-RPC error’s own message', () => {
    const result = classifyDownstreamError(new ProtocolError(-32602, 'Invalid params: argv'), 'pi');
    expect(result.code).toBe('UPSTREAM_ERROR');
    expect(result.message).toContain('Invalid params: argv');
    expect(result.message.startsWith('pi: ')).toBe(true);
  });
});

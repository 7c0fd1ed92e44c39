import { describe, expect, it } from 'vitest';
import { FleetError, isOperatorError } from '../../errors/index.js';
import { classifyHubError, type HubTarget } from './hubClient.js';

const target: HubTarget = {
  url: 'http://127.0.0.1:7420/mcp',
  token: 'secret-value',
  tokenFrom: 'MCP_FLEET_TOKEN',
};
const err = (message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), extra);

describe('what went wrong talking to the hub', () => {
  it('nothing listening (the socket error under fetch, under the SDK’s data.cause) is UNAVAILABLE for the operator, with a fix', () => {
    const refused = err('Version negotiation probe failed: fetch failed', {
      code: 'ERA_NEGOTIATION_FAILED',
      data: { cause: err('fetch failed', { cause: err('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) }) },
    });
    const e = classifyHubError(refused, target);
    expect(e.code).toBe('UNAVAILABLE');
    expect(isOperatorError(e)).toBe(true);
    expect(e.message).toMatch(
      /^cannot reach the hub at http:\/\/127\.0\.0\.1:7420\/mcp \(ECONNREFUSED\): is it running\?/,
    );
  });

  it('a refused token is UNAUTHORIZED naming where the token came from, never the token', () => {
    const e = classifyHubError(
      err('Error POSTing', { code: 'CLIENT_HTTP_NOT_IMPLEMENTED', data: { status: 401 } }),
      target,
    );
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).toBe(
      'the hub at http://127.0.0.1:7420/mcp refused the token from MCP_FLEET_TOKEN (HTTP 401)',
    );
    expect(e.message).not.toContain('secret-value');
    const none = classifyHubError(err('x', { code: 'CLIENT_HTTP_AUTHENTICATION' }), {
      ...target,
      token: undefined,
    });
    expect(none.message).toMatch(/wants a token \(HTTP 401\): set MCP_FLEET_TOKEN/);
  });

  it('a URL that is not a hub is USAGE; a timeout and anything else are not', () => {
    expect(classifyHubError(err('nope', { data: { status: 404 } }), target).code).toBe('USAGE');
    expect(
      classifyHubError(err('did not offer', { code: 'ERA_NEGOTIATION_FAILED' }), target).message,
    ).toMatch(/^no mcp-fleet hub at .*check hub\.url/);
    expect(classifyHubError(err('fetch failed', { cause: err('bad port') }), target).message).toMatch(
      /bad port/,
    );
    const timeout = classifyHubError(err('Request timed out', { code: 'REQUEST_TIMEOUT' }), target);
    expect(timeout.code).toBe('TIMEOUT');
    // A hub that did not answer in time is exit 1 (docs/cli.md), not the operator's one-liner.
    expect(isOperatorError(timeout)).toBe(false);
    expect(classifyHubError(err('Unknown tool: x', { code: -32602 }), target).code).toBe('USAGE');
    expect(classifyHubError(err('weird'), target).code).toBe('UPSTREAM_ERROR');
    const own = new FleetError('CANCELLED', 'cancelled');
    expect(classifyHubError(own, target)).toBe(own);
  });
});

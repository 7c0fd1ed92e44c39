import { describe, expect, it } from 'vitest';
import type { WireRequest, WireResponse } from './rawHttp.js';
import {
  answerProblem,
  expectationOf,
  hasInternalError,
  responseProblem,
  serverMessageProblem,
  sseData,
} from './rpcValidator.js';

const request = (body: string, extra: Partial<WireRequest> = {}): WireRequest => ({
  method: 'POST',
  path: '/mcp',
  headers: [],
  body: Buffer.from(body),
  framing: 'length',
  lie: 1,
  ...extra,
});

const answer = (status: number, body: string, type = 'application/json'): WireResponse => ({
  status,
  headers: body === '' ? {} : { 'content-type': type },
  body: Buffer.from(body),
  openStream: false,
});

const sse = (...messages: unknown[]) =>
  messages.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join('');

describe('the fuzz oracle', () => {
  it('knows a JSON-RPC response', () => {
    expect(responseProblem({ jsonrpc: '2.0', id: 1, result: {} })).toBeUndefined();
    expect(
      responseProblem({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x', data: [1] } }),
    ).toBeUndefined();
    expect(responseProblem({ jsonrpc: '2.0', id: 1 })).toMatch(/exactly one/);
    expect(responseProblem({ jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: '' } })).toMatch(
      /exactly one/,
    );
    expect(responseProblem({ jsonrpc: '2.0', id: 1, result: 5 })).toMatch(/result/);
    expect(responseProblem({ jsonrpc: '1.0', id: 1, result: {} })).toMatch(/jsonrpc/);
    expect(responseProblem({ jsonrpc: '2.0', id: {}, result: {} })).toMatch(/id/);
    expect(responseProblem({ jsonrpc: '2.0', result: {} })).toMatch(/id/);
    expect(responseProblem({ jsonrpc: '2.0', id: 1, error: { code: 1.5, message: '' } })).toMatch(/code/);
    expect(responseProblem({ jsonrpc: '2.0', id: 1, error: { code: 1, message: '', stack: '' } })).toMatch(
      /members/,
    );
    expect(responseProblem({ jsonrpc: '2.0', id: 1, result: {}, extra: 1 })).toMatch(/members/);
  });

  it('accepts notifications and requests on a stream, but not malformed ones', () => {
    expect(
      serverMessageProblem({ jsonrpc: '2.0', method: 'notifications/progress', params: {} }),
    ).toBeUndefined();
    expect(
      serverMessageProblem({ jsonrpc: '2.0', id: 'r', method: 'sampling/createMessage' }),
    ).toBeUndefined();
    expect(serverMessageProblem({ jsonrpc: '2.0', method: 5 })).toMatch(/method/);
    expect(serverMessageProblem({ jsonrpc: '2.0', method: 'x', params: [] })).toMatch(/params/);
  });

  it('reads event-stream data, joining multi-line data and skipping comments', () => {
    expect(sseData('event: message\ndata: {"a":\ndata: 1}\n\n: ping\n\nid: 7\ndata:\n\n')).toEqual([
      '{"a":\n1}',
      '',
    ]);
    expect(() => sseData('bogus: x\n\n')).toThrow(/unknown SSE field/);
  });

  it('owes an answer to each certain request, and only to those ids', () => {
    const one = expectationOf(request('{"jsonrpc":"2.0","id":7,"method":"ping"}'), 1000);
    expect(one.requestIds).toEqual(['7']);
    expect(
      answerProblem(one, answer(200, sse({ jsonrpc: '2.0', id: 7, result: {} }), 'text/event-stream')),
    ).toBeUndefined();
    expect(
      answerProblem(one, answer(200, JSON.stringify({ jsonrpc: '2.0', id: 7, result: {} }))),
    ).toBeUndefined();
    expect(
      answerProblem(one, answer(200, sse({ jsonrpc: '2.0', id: 8, result: {} }), 'text/event-stream')),
    ).toMatch(/never asked/);
    expect(answerProblem(one, answer(200, ': ping\n\n', 'text/event-stream'))).toMatch(
      /no answer for request ids 7/,
    );
    expect(answerProblem(one, answer(202, ''))).toMatch(/202/);
    const twice = sse({ jsonrpc: '2.0', id: 7, result: {} }, { jsonrpc: '2.0', id: 7, result: {} });
    expect(answerProblem(one, answer(200, twice, 'text/event-stream'))).toMatch(/answered twice/);
  });

  it('lets a notification be answered with an empty 202', () => {
    const note = expectationOf(request('{"jsonrpc":"2.0","method":"notifications/initialized"}'), 1000);
    expect(answerProblem(note, answer(202, ''))).toBeUndefined();
    expect(answerProblem(note, answer(202, '{}'))).toMatch(/202 with a body/);
  });

  it('decodes the body as the server does (a leading BOM is not an error)', () => {
    const bom = expectationOf(request('\uFEFF{"jsonrpc":"2.0","id":"a","method":"ping"}'), 1000);
    expect(bom.requestIds).toEqual(['"a"']);
  });

  it('never accepts a 5xx, and wants 4xx bodies to be JSON-RPC errors', () => {
    const e = expectationOf(request('x'), 1000);
    expect(answerProblem(e, answer(500, ''))).toMatch(/server error 500/);
    expect(answerProblem(e, answer(400, ''))).toBeUndefined();
    expect(
      answerProblem(
        e,
        answer(400, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'p' } })),
      ),
    ).toBeUndefined();
    expect(answerProblem(e, answer(400, '{"error":"nope"}'))).toMatch(/not a JSON-RPC error/);
    expect(answerProblem(e, answer(400, 'Bad Request', 'text/plain'))).toMatch(/not JSON/);
    expect(answerProblem(e, answer(400, JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })))).toMatch(
      /with a result/,
    );
  });

  it('lets only broken framing or an oversized body end without an answer', () => {
    expect(answerProblem(expectationOf(request('{}'), 1000), answer(0, ''))).toMatch(/without an answer/);
    expect(
      answerProblem(expectationOf(request('{}', { framing: 'long' }), 1000), answer(0, '')),
    ).toBeUndefined();
    expect(answerProblem(expectationOf(request('{}'), 1), answer(0, ''))).toBeUndefined();
  });

  it('allows other paths a plain 404 and nothing else', () => {
    const other = expectationOf(request('{}', { path: '/MCP' }), 1000);
    expect(answerProblem(other, answer(404, '{"error":"not found"}'))).toBeUndefined();
    expect(
      answerProblem(other, answer(200, sse({ jsonrpc: '2.0', id: 1, result: {} }), 'text/event-stream')),
    ).toMatch(/not the MCP endpoint/);
  });

  it('accepts an open event stream only for GET', () => {
    const stream = { ...answer(200, '', 'text/event-stream'), openStream: true };
    expect(answerProblem(expectationOf(request('', { method: 'GET' }), 1000), stream)).toBeUndefined();
    expect(answerProblem(expectationOf(request(''), 1000), stream)).toMatch(/non-GET/);
  });

  it('spots a JSON-RPC Internal error in a 2xx answer, JSON or streamed', () => {
    const internal = {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32603, message: 'Maximum call stack size exceeded' },
    };
    expect(hasInternalError(answer(200, JSON.stringify(internal)))).toBe(true);
    expect(hasInternalError(answer(200, sse(internal), 'text/event-stream'))).toBe(true);
    const text = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: '{"code":-32603}' }] } };
    expect(hasInternalError(answer(200, sse(text), 'text/event-stream'))).toBe(false);
    expect(hasInternalError(answer(400, JSON.stringify(internal)))).toBe(false);
  });
});

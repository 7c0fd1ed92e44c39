import type { WireRequest, WireResponse } from './rawHttp.js';

/**
 * What a fuzzed request obliges the server to: which JSON-RPC requests it certainly carries
 * (those need an answer with their id), and whether the connection may end without any answer
 * (the request broke HTTP framing, or its body is over the limit and the server may reset the
 * socket while bytes are still arriving).
 */
export interface Expectation {
  httpMethod: string;
  /** The request was for the MCP endpoint (other paths answer 404 with a plain JSON error). */
  endpoint: boolean;
  /** JSON text of the id of each certain JSON-RPC request in the body (normalised by a JSON round trip). */
  requestIds: string[];
  /** JSON text of every non-null id in the body, one entry per message: what an answer may carry. */
  possibleIds: string[];
  mayDrop: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isId = (v: unknown): boolean =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || v === null;

/**
 * A message every JSON-RPC 2.0 server must treat as a request: the shape is beyond doubt (an
 * integer or string id, a method, object params). Messages outside this set may be refused
 * with 400 or answered; both are fine, so they oblige nothing here.
 */
function isCertainRequest(m: unknown): m is { id: string | number } {
  if (!isPlainObject(m) || m.jsonrpc !== '2.0' || typeof m.method !== 'string') return false;
  if (!(typeof m.id === 'string' || (typeof m.id === 'number' && Number.isSafeInteger(m.id)))) return false;
  if (m.params !== undefined && !isPlainObject(m.params)) return false;
  return Object.keys(m).every((k) => ['jsonrpc', 'id', 'method', 'params'].includes(k));
}

const idKey = (id: unknown): string => JSON.stringify(JSON.parse(JSON.stringify(id ?? null)));

/** What the server owes `request`; `maxBodyBytes` is the limit the server was started with. */
export function expectationOf(request: WireRequest, maxBodyBytes: number): Expectation {
  const broken = request.framing === 'short' || request.framing === 'long';
  const mayDrop = broken || request.body.length > maxBodyBytes;
  const endpoint = request.path.split('?')[0] === '/mcp';
  const none = { httpMethod: request.method, endpoint, requestIds: [], possibleIds: [], mayDrop };
  if (broken || request.method !== 'POST') return none;
  let parsed: unknown;
  try {
    // As the server decodes it: a TextDecoder replaces invalid bytes and drops a leading BOM.
    parsed = JSON.parse(new TextDecoder().decode(request.body));
  } catch {
    return none;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const possibleIds = messages
    // Only a string or a number can come back as a response id (anything else is not a valid one).
    .filter(
      (m): m is { id: unknown } => isPlainObject(m) && (typeof m.id === 'string' || typeof m.id === 'number'),
    )
    .map((m) => idKey(m.id));
  const requestIds = messages.filter(isCertainRequest).map((m) => idKey(m.id));
  return { ...none, requestIds, possibleIds };
}

/** Why `m` is not a JSON-RPC 2.0 response object (as an MCP server sends it), or undefined. */
export function responseProblem(m: unknown): string | undefined {
  if (!isPlainObject(m)) return 'not an object';
  if (m.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in m) || !isId(m.id)) return 'id is missing or not a string, number or null';
  const extra = Object.keys(m).filter((k) => !['jsonrpc', 'id', 'result', 'error'].includes(k));
  if (extra.length > 0) return `unexpected members ${extra.join(', ')}`;
  if ('result' in m === 'error' in m) return 'needs exactly one of result and error';
  if ('result' in m) return isPlainObject(m.result) ? undefined : 'result is not an object';
  const error = m.error;
  if (!isPlainObject(error)) return 'error is not an object';
  if (!Number.isInteger(error.code)) return 'error.code is not an integer';
  if (typeof error.message !== 'string') return 'error.message is not a string';
  const extraError = Object.keys(error).filter((k) => !['code', 'message', 'data'].includes(k));
  if (extraError.length > 0) return `unexpected error members ${extraError.join(', ')}`;
  return undefined;
}

/** Why `m` is not a message a server may send on a stream (response, notification, request). */
export function serverMessageProblem(m: unknown): string | undefined {
  if (isPlainObject(m) && 'method' in m) {
    if (m.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
    if (typeof m.method !== 'string') return 'method is not a string';
    if (m.params !== undefined && !isPlainObject(m.params)) return 'params is not an object';
    if ('id' in m && !(typeof m.id === 'string' || Number.isInteger(m.id))) return 'request id is invalid';
    const extra = Object.keys(m).filter((k) => !['jsonrpc', 'id', 'method', 'params'].includes(k));
    return extra.length > 0 ? `unexpected members ${extra.join(', ')}` : undefined;
  }
  return responseProblem(m);
}

/** The `data` of each event of a text/event-stream body; throws when the stream is malformed. */
export function sseData(text: string): string[] {
  const events: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (!['event', 'data', 'id', 'retry'].includes(field)) throw new Error(`unknown SSE field ${field}`);
      if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push(data.join('\n'));
  }
  return events;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The messages of a 2xx body, or a problem. */
export function messagesOf(res: WireResponse): { messages: unknown[] } | { problem: string } {
  const type = res.headers['content-type'] ?? '';
  const text = res.body.toString('utf8');
  if (/^application\/json\b/.test(type)) {
    const parsed = parseJson(text);
    if (!parsed) return { problem: 'JSON body does not parse' };
    const messages = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    for (const m of messages) {
      const problem = responseProblem(m);
      if (problem) return { problem: `invalid JSON-RPC response (${problem}): ${text.slice(0, 300)}` };
    }
    return { messages };
  }
  if (/^text\/event-stream\b/.test(type)) {
    let events: string[];
    try {
      events = sseData(text);
    } catch (error) {
      return { problem: `malformed event stream: ${(error as Error).message}` };
    }
    const messages: unknown[] = [];
    for (const data of events) {
      if (data === '') continue; // a priming event carries an id and no message
      const parsed = parseJson(data);
      if (!parsed) return { problem: `event data does not parse: ${data.slice(0, 300)}` };
      const problem = serverMessageProblem(parsed.value);
      if (problem)
        return { problem: `invalid JSON-RPC message on the stream (${problem}): ${data.slice(0, 300)}` };
      messages.push(parsed.value);
    }
    return { messages };
  }
  return { problem: `2xx with content-type ${JSON.stringify(type)}` };
}

/**
 * Why `res` is not an acceptable answer to a request with expectation `e`, or undefined. Never
 * 5xx; a 4xx body is empty or a JSON-RPC error object; a 2xx is a JSON-RPC response (JSON or an
 * event stream) answering each certain request once, or an empty 202 when none was sent.
 */
export function answerProblem(e: Expectation, res: WireResponse): string | undefined {
  if (res.status === 0) return e.mayDrop ? undefined : 'connection closed without an answer';
  if (res.status >= 500) return `server error ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
  if (res.status >= 400) {
    if (res.body.length === 0) return undefined;
    const parsed = parseJson(res.body.toString('utf8'));
    if (!parsed) return `${res.status} body is not JSON: ${res.body.toString('utf8').slice(0, 300)}`;
    if (!e.endpoint) {
      if (res.status !== 404) return `${res.status} for a path that is not the MCP endpoint`;
      return isPlainObject(parsed.value) && typeof parsed.value.error === 'string'
        ? undefined
        : 'a 404 body is not {"error": "..."}';
    }
    const problem = responseProblem(parsed.value);
    if (problem) return `${res.status} body is not a JSON-RPC error object (${problem})`;
    if (!isPlainObject(parsed.value) || !('error' in parsed.value)) return `${res.status} with a result`;
    return undefined;
  }
  if (res.status < 200 || res.status >= 300) return `unexpected status ${res.status}`;
  if (!e.endpoint) return `${res.status} for a path that is not the MCP endpoint`;
  if (res.openStream) return e.httpMethod === 'GET' ? undefined : 'an open stream answered a non-GET';
  if (res.status === 202) {
    if (res.body.length > 0) return '202 with a body';
    return e.requestIds.length > 0 ? `202 (no answer) for request ids ${e.requestIds.join(', ')}` : undefined;
  }
  if (res.status !== 200) return `unexpected success status ${res.status}`;
  if (e.httpMethod === 'DELETE' && res.body.length === 0) return undefined;
  const got = messagesOf(res);
  if ('problem' in got) return got.problem;
  const answered = got.messages
    .filter((m) => isPlainObject(m) && !('method' in m) && m.id !== null)
    .map((m) => idKey((m as { id: unknown }).id));
  const count = (list: string[], id: string) => list.filter((x) => x === id).length;
  const extra = answered.filter((id) => count(answered, id) > count(e.possibleIds, id));
  if (extra.length > 0) return `answers for ids never asked (or answered twice): ${extra.join(', ')}`;
  const missing = e.requestIds.filter((id) => !answered.includes(id));
  if (missing.length > 0) return `no answer for request ids ${missing.join(', ')}`;
  return undefined;
}

/** Whether a 2xx answer carries a JSON-RPC Internal error (-32603): a handler threw. */
export function hasInternalError(res: WireResponse): boolean {
  if (res.status < 200 || res.status >= 300 || res.body.length === 0) return false;
  const got = messagesOf(res);
  return (
    'messages' in got &&
    got.messages.some((m) => isPlainObject(m) && isPlainObject(m.error) && m.error.code === -32603)
  );
}

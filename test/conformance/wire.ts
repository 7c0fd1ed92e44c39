/**
 * Raw HTTP for protocol-rule tests: one JSON-RPC POST with exactly the headers given, so a test
 * shows on its face what is on the wire (an SDK client would add and check headers itself).
 */

export const MODERN = '2026-07-28';

/** The per-request `_meta` envelope a 2026-07-28 request carries. */
export function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'mcp-fleet-wire-test', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
    ...overrides,
  };
}

/** The SEP-2243 standard headers of a modern request for `method` (and `Mcp-Name`, if given). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  };
}

export interface WireAnswer {
  status: number;
  headers: Headers;
  /** The JSON-RPC message: the JSON body, the first `data:` line of an SSE body, or {} for none. */
  message: {
    id?: unknown;
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: Record<string, unknown> };
  };
}

/**
 * POSTs one JSON-RPC message to `url` with `headers` (plus Content-Type, Accept and the bearer
 * token, when given) and reads the one message that answers it.
 */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  token?: string,
): Promise<WireAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? (/^data: (.*)$/m.exec(text)?.[1] ?? 'null')
    : text;
  let message: WireAnswer['message'];
  try {
    // An accepted notification (202) has no body at all.
    message = text === '' ? {} : (JSON.parse(json) ?? {});
  } catch {
    throw new Error(`HTTP ${response.status}: not JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, headers: response.headers, message };
}

/** The tool names of a tools/list answer; an answer without a tool list is an error. */
export function toolNames(answer: WireAnswer): string[] {
  const tools = answer.message.result?.tools;
  if (!Array.isArray(tools)) throw new Error(`no tools in ${JSON.stringify(answer.message).slice(0, 300)}`);
  return tools.map((tool: { name: string }) => tool.name);
}

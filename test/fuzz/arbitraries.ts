import fc from 'fast-check';
import { type BodySpec, bodyAround, encodeBody } from './bodyArbitraries.js';
import {
  type Era,
  fillTemplate,
  goodHeaders,
  type HeaderList,
  lightlyMutatedHeaders,
  mutatedHeaders,
  type TemplateVars,
} from './headerArbitraries.js';
import { anyMessage, message, modernMeta } from './jsonRpcArbitraries.js';
import type { Framing, WireRequest } from './rawHttp.js';

/**
 * One fuzz case: an HTTP request described readably (header templates, a body spec), so that
 * fast-check's counterexample is something a person can replay by hand.
 */
export interface FuzzCase {
  method: string;
  path: string;
  headers: HeaderList;
  body: BodySpec;
  framing: Framing;
  lie: number;
}

/** What the cases of one server need: whether 2025-era requests name a session (the hub). */
export interface CaseOptions {
  session: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A 2026-07-28 request carries its envelope in `params._meta`; a legacy one does not. */
export function inEra(era: Era, m: Record<string, unknown>): Record<string, unknown> {
  if (era === 'legacy' || !(m.params === undefined || isPlainObject(m.params))) return m;
  const params = isPlainObject(m.params) ? m.params : {};
  const meta = isPlainObject(params._meta) ? params._meta : {};
  return { ...m, params: { ...params, _meta: { ...meta, ...modernMeta } } };
}

const era = fc.constantFrom<Era>('legacy', 'modern');
const mostlyExactLength = fc.oneof(
  { arbitrary: fc.constant<Framing>('length'), weight: 9 },
  { arbitrary: fc.constant<Framing>('chunked'), weight: 1 },
);
const lie = fc.integer({ min: 1, max: 64 });

function methodOf(body: BodySpec): string {
  const value = 'value' in body ? body.value : undefined;
  return isPlainObject(value) && typeof value.method === 'string' ? value.method : 'tools/list';
}

/** Cases about bodies: good headers (mostly), every kind of JSON-RPC body and non-body. */
export function bodyCases(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  return era.chain((e) =>
    bodyAround(anyMessage.map((m) => inEra(e, m))).chain((body) =>
      fc.record({
        method: fc.constant('POST'),
        path: fc.constant('/mcp'),
        headers: lightlyMutatedHeaders(goodHeaders(e, methodOf(body), undefined, options.session)),
        body: fc.constant(body),
        framing: mostlyExactLength,
        lie,
      }),
    ),
  );
}

const simpleRequests: Array<Record<string, unknown>> = [
  message('tools/list', undefined, 1, true),
  message('ping', undefined, 'p', true),
  message('tools/call', { name: 'exec', arguments: { argv: ['echo', 'fuzz'] } }, 7, true),
  message('notifications/initialized', undefined, undefined, false),
];

/** Cases about the HTTP envelope: methods, paths, headers and Content-Length lies around simple bodies. */
export function headerCases(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  return fc.tuple(era, fc.constantFrom(...simpleRequests)).chain(([e, m]) =>
    fc.record({
      method: fc.oneof(
        { arbitrary: fc.constant('POST'), weight: 12 },
        {
          arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'post', 'TRACE'),
          weight: 3,
        },
      ),
      path: fc.oneof(
        { arbitrary: fc.constant('/mcp'), weight: 12 },
        {
          arbitrary: fc.constantFrom(
            '/mcp?x=1',
            '/mcp?',
            '/mcp?a=%00',
            '/mcp/',
            '/MCP',
            '//mcp',
            '/mcp/../mcp',
          ),
          weight: 2,
        },
      ),
      headers: mutatedHeaders(goodHeaders(e, String(m.method), undefined, options.session)),
      body: fc.constant<BodySpec>({ kind: 'json', value: inEra(e, m) }),
      framing: fc.oneof(
        { arbitrary: fc.constant<Framing>('length'), weight: 6 },
        { arbitrary: fc.constantFrom<Framing>('chunked', 'short', 'long'), weight: 2 },
      ),
      lie,
    }),
  );
}

/** Cases about tool arguments: a tools/call of a listed (or unknown) tool with fuzzed arguments. */
export function toolCallCases(
  options: CaseOptions & { args: Record<string, fc.Arbitrary<unknown>> },
): fc.Arbitrary<FuzzCase> {
  const names = Object.keys(options.args);
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...names), weight: 20 },
    {
      arbitrary: fc.constantFrom('nosuch', '', '__proto__', 'constructor', 'exec ', 'EXEC', 'fleet_'),
      weight: 1,
    },
  );
  const call = name.chain((n) =>
    fc.tuple(
      fc.constant(n),
      (Object.hasOwn(options.args, n) ? options.args[n] : undefined) ?? fc.jsonValue(),
      fc.integer({ min: 0, max: 1_000_000 }),
    ),
  );
  return fc.tuple(era, call).chain(([e, [n, args, id]]) => {
    const params = args === undefined ? { name: n } : { name: n, arguments: args };
    const body: BodySpec = { kind: 'json', value: inEra(e, message('tools/call', params, id, true)) };
    return fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/mcp'),
      headers: lightlyMutatedHeaders(goodHeaders(e, 'tools/call', n, options.session)),
      body: fc.constant(body),
      framing: mostlyExactLength,
      lie,
    });
  });
}

/** The wire request of a case, templates filled. */
export function toWire(c: FuzzCase, vars: TemplateVars): WireRequest {
  return {
    method: c.method,
    path: c.path,
    headers: c.headers.map(([n, v]) => [n, fillTemplate(v, vars)] as const),
    body: encodeBody(c.body),
    framing: c.framing,
    lie: c.lie,
  };
}

import fc from 'fast-check';

/**
 * Arbitraries for JSON-RPC bodies. Values stay small and printable so a counterexample reads
 * well; big and deep things are placeholders (`@@huge:N:c@@`, `@@deep:N:[@@`) that
 * `encodeBody` expands after serialisation, which also keeps our own JSON.stringify from
 * recursing 60,000 levels deep.
 */

/** A string the encoder expands to `n` copies of `ch` (a huge JSON string). */
export const huge = (n: number, ch = 'a'): string => `@@huge:${n}:${ch}@@`;
/** A value the encoder expands to `n` nested arrays (`[`) or objects (`{`). */
export const deep = (n: number, open: '[' | '{' = '['): string => `@@deep:${n}:${open}@@`;

/** Bodies stay under this (the fuzzed servers run with max_body_bytes 256 KiB) unless meant to exceed it. */
export const FUZZ_MAX_BODY = 256 * 1024;

/** Values of the wrong type, with the classic troublemakers weighted in. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '\uFFFF',
      '../../../../etc/passwd',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      -1,
      0,
      -0,
      1.5,
      2 ** 31,
      2 ** 53 + 2,
      -(2 ** 63),
      1e308,
      Number.MIN_VALUE,
      true,
      false,
      null,
      [],
      {},
      [null],
      { __proto__: null },
    ),
    weight: 4,
  },
  { arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => huge(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => huge(n, '\u0000')), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 60_000 }), fc.constantFrom('[' as const, '{' as const))
      .map(([n, open]) => deep(n, open)),
    weight: 1,
  },
);

/** `{ ...obj, [key]: value }`, where `__proto__` becomes an own, enumerable key (as JSON.parse makes it). */
export function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...obj };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** Keys that have broken JavaScript servers before: prototype pollution and shadowed builtins. */
export const pollutingKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'then',
);

export const pollutingValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ polluted: true, isAdmin: true }),
  fc.constant({ prototype: { polluted: true } }),
  fc.constant({ toString: 'boom', valueOf: 1 }),
  weirdValue,
);

/** Adds 1–3 unexpected members (prototype-polluting ones among them) to an object. */
export function withExtraKeys(
  base: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof(pollutingKey, fc.string({ maxLength: 12 }));
  return fc
    .tuple(
      base,
      fc.array(fc.tuple(key, fc.oneof(pollutingValue, weirdValue)), { minLength: 1, maxLength: 3 }),
    )
    .map(([obj, extras]) => extras.reduce((acc, [k, v]) => withKey(acc, k, v), obj));
}

export const jsonRpcId: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 1_000_000 }), weight: 8 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 4 },
  {
    arbitrary: fc.constantFrom(-1, 0, 2 ** 53 + 2, 1.5, 1e300, '', '\u0000', null, true, [], {}, [1]),
    weight: 2,
  },
);

/** Methods the servers serve, methods they do not, and names that are not methods at all. */
export const requestMethod = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'tools/list',
      'tools/call',
      'ping',
      'initialize',
      'server/discover',
      'resources/list',
      'resources/read',
      'resources/templates/list',
      'prompts/list',
      'prompts/get',
      'completion/complete',
      'logging/setLevel',
      'resources/subscribe',
      'tasks/get',
      'sampling/createMessage',
    ),
    weight: 8,
  },
  {
    arbitrary: fc.constantFrom(
      'notifications/initialized',
      'notifications/cancelled',
      'notifications/progress',
      'notifications/roots/list_changed',
      'notifications/message',
    ),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom('rpc.discover', '__proto__', 'constructor', 'tools/', 'TOOLS/LIST', ''),
    weight: 1,
  },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
);

export const MODERN_VERSION = '2026-07-28';

/** The `_meta` envelope every 2026-07-28 request carries. */
export const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** Params a method plausibly takes (and sometimes not). */
export function paramsFor(method: string): fc.Arbitrary<unknown> {
  const plausible: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    initialize: fc.record({
      protocolVersion: fc.constantFrom(
        '2025-11-25',
        '2025-06-18',
        '2025-03-26',
        '2024-11-05',
        '1.0',
        MODERN_VERSION,
      ),
      capabilities: fc.constantFrom({}, { roots: { listChanged: true } }, { sampling: {} }),
      clientInfo: fc.constantFrom({ name: 'fuzz', version: '1' }, { name: '' }, {}),
    }),
    'resources/read': fc.record({
      uri: fc.oneof(fc.webUrl(), fc.string(), fc.constant('file:///etc/passwd')),
    }),
    'prompts/get': fc.record({
      name: fc.string({ maxLength: 20 }),
      arguments: fc.dictionary(fc.string(), fc.string()),
    }),
    'notifications/cancelled': fc.record({ requestId: jsonRpcId, reason: fc.string({ maxLength: 20 }) }),
    'notifications/progress': fc.record({
      progressToken: jsonRpcId,
      progress: fc.double(),
      total: fc.double(),
    }),
    'logging/setLevel': fc.record({ level: fc.constantFrom('debug', 'info', 'emergency', 'nope') }),
    'tools/list': fc.record({ cursor: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }),
  };
  return fc.oneof(
    {
      arbitrary: (Object.hasOwn(plausible, method) ? plausible[method] : undefined) ?? fc.constant({}),
      weight: 6,
    },
    { arbitrary: fc.object({ maxDepth: 2, maxKeys: 4 }), weight: 1 },
    { arbitrary: weirdValue, weight: 1 },
  );
}

/** A JSON-RPC request (or notification when `id` is absent) for `method` with `params`. */
export function message(
  method: string,
  params: unknown,
  id: unknown,
  hasId: boolean,
): Record<string, unknown> {
  const m: Record<string, unknown> = { jsonrpc: '2.0', method };
  if (hasId) m.id = id;
  if (params !== undefined) m.params = params;
  return m;
}

/** One well-formed message, and then perhaps a member replaced, dropped or added. */
export const anyMessage: fc.Arbitrary<Record<string, unknown>> = requestMethod
  .chain((method) =>
    fc.tuple(
      fc.constant(method),
      fc.option(paramsFor(method), { nil: undefined, freq: 4 }),
      jsonRpcId,
      fc.boolean().map((b) => b || !method.startsWith('notifications/')),
    ),
  )
  .map(([method, params, id, hasId]) => message(method, params, id, hasId))
  .chain((m) =>
    fc.oneof(
      { arbitrary: fc.constant(m), weight: 10 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom('jsonrpc', 'id', 'method', 'params'), fc.option(weirdValue, { freq: 3 }))
          .map(([key, value]) => {
            const copy = { ...m };
            if (value === null) delete copy[key];
            else copy[key] = value;
            return copy;
          }),
        weight: 3,
      },
      { arbitrary: withExtraKeys(fc.constant(m)), weight: 1 },
    ),
  );

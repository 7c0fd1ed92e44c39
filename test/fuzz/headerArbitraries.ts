import fc from 'fast-check';
import { MODERN_VERSION } from './jsonRpcArbitraries.js';

/**
 * Header arbitraries. Values are templates: `$TOKEN`, `$PORT`, `$SESSION`… are filled in when
 * the request is sent (see `fillTemplate`), so a counterexample prints the same on every run.
 */

export type HeaderList = Array<[string, string]>;

/** Which protocol era a request claims: 2025-era (legacy) or 2026-07-28 (modern). */
export type Era = 'legacy' | 'modern';

/** Printable latin1 text without CR/LF: what a header value may legally carry, and a bit more. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

const absent = fc.constant(undefined);

export const authorization = fc.oneof(
  absent,
  fc.constantFrom(
    'Bearer wrong-token',
    'Bearer $OTHER_TOKEN',
    'Bearer $OTHER_TOKEN',
    'bearer $TOKEN',
    'BEARER $TOKEN',
    'Bearer  $TOKEN  ',
    'Bearer\t$TOKEN',
    'Bearer $TOKENx',
    'Bearer $TOKEN extra',
    'Bearer',
    'Bearer ',
    '$TOKEN',
    'Basic $TOKEN',
    'Basic dXNlcjpwYXNz',
    'Token $TOKEN',
    'Bearer $TOKEN, Bearer $TOKEN',
    'Bearer \u00ff\u00fe',
  ),
  fc.integer({ min: 1, max: 12_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
  headerText,
);

export const host = fc.oneof(
  absent,
  fc.constantFrom(
    'localhost:$PORT',
    '[::1]:$PORT',
    'localhost',
    '127.0.0.1',
    '127.1.2.3:$PORT',
    'LOCALHOST:$PORT',
    'evil.example:$PORT',
    'evil.example',
    '127.0.0.1.nip.io:$PORT',
    'localhost.evil.example',
    '[::ffff:127.0.0.1]:$PORT',
    '0.0.0.0:$PORT',
    '127.0.0.1:99999',
    '127.0.0.1:-1',
    '[::1',
    '::1',
    ':$PORT',
    '',
    'a b',
  ),
  headerText,
);

export const origin = fc.oneof(
  fc.constantFrom(
    'http://localhost:3000',
    'http://127.0.0.1:$PORT',
    'http://[::1]:$PORT',
    'https://localhost',
    'http://evil.example',
    'http://127.0.0.1.evil.example',
    'http://localhost.evil.example',
    'null',
    'file://',
    'http://',
    'http://[::1',
    'chrome-extension://abc',
    '',
  ),
  headerText,
);

export const contentType = fc.oneof(
  absent,
  fc.constantFrom(
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json;charset=utf-16',
    'application/json, text/plain',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json-patch+json',
    'text/event-stream',
    '',
  ),
  headerText,
);

export const accept = fc.oneof(
  absent,
  fc.constantFrom(
    'application/json',
    'text/event-stream',
    '*/*',
    'application/*, text/*',
    'text/event-stream, application/json',
    'application/json;q=0, text/event-stream;q=0',
    'text/html',
    '',
  ),
  headerText,
);

export const protocolVersion = fc.oneof(
  absent,
  fc.constantFrom(
    '2025-11-25',
    '2025-06-18',
    '2025-03-26',
    '2024-11-05',
    '2024-10-07',
    MODERN_VERSION,
    ` ${MODERN_VERSION} `,
    `${MODERN_VERSION}, 2025-11-25`,
    '2099-12-31',
    '1999-01-01',
    'latest',
    '',
  ),
  headerText,
);

export const sessionId = fc.oneof(
  absent,
  fc.constantFrom(
    '$SESSION',
    '$SESSION',
    '$SESSIONx',
    '00000000-0000-0000-0000-000000000000',
    '',
    ' ',
    '$SESSION, $SESSION',
  ),
  headerText,
);

/** Headers nobody asked for, among them ones that change how the body is read. */
export const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['expect', '100-continue'],
    ['expect', 'something-else'],
    ['content-encoding', 'gzip'],
    ['content-encoding', 'identity'],
    ['content-length', '5'],
    ['transfer-encoding', 'gzip'],
    ['x-forwarded-for', '203.0.113.9'],
    ['x-forwarded-host', 'evil.example'],
    ['mcp-method', 'tools/list'],
    ['mcp-name', 'exec'],
    ['last-event-id', '1'],
    ['last-event-id', 'x'.repeat(300)],
    ['cookie', 'a=b'],
    ['upgrade', 'websocket'],
    ['__proto__', 'x'],
    ['constructor', 'x'],
  ),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), headerText),
);

/**
 * The headers a well-behaved client of `era` sends (templates). `session`: a 2025-era client
 * of a sessionful server (the hub) names the session it opened.
 */
export function goodHeaders(
  era: Era,
  method: string,
  toolName: string | undefined,
  session: boolean,
): HeaderList {
  const list: HeaderList = [
    ['host', '127.0.0.1:$PORT'],
    ['authorization', 'Bearer $TOKEN'],
    ['content-type', 'application/json'],
    ['accept', 'application/json, text/event-stream'],
  ];
  if (era === 'modern') {
    list.push(['mcp-protocol-version', MODERN_VERSION], ['mcp-method', method]);
    if (toolName !== undefined) list.push(['mcp-name', toolName]);
  } else {
    list.push(['mcp-protocol-version', '2025-11-25']);
    if (session) list.push(['mcp-session-id', '$SESSION']);
  }
  return list;
}

const replaceable = [
  'host',
  'authorization',
  'content-type',
  'accept',
  'mcp-protocol-version',
  'mcp-session-id',
] as const;

/**
 * Good headers with some replaced, dropped, added or repeated: each change is small, so most
 * requests still get past the early checks and the later ones are exercised too.
 */
export function mutatedHeaders(good: HeaderList): fc.Arbitrary<HeaderList> {
  const valueFor: Record<(typeof replaceable)[number] | 'origin', fc.Arbitrary<string | undefined>> = {
    host,
    authorization,
    'content-type': contentType,
    accept,
    'mcp-protocol-version': protocolVersion,
    'mcp-session-id': sessionId,
    origin,
  };
  const change = fc.oneof(
    fc
      .constantFrom(...replaceable, 'origin' as const)
      .chain((name) => (valueFor[name] ?? absent).map((value) => ({ name, value, add: false }))),
    extraHeader.map(([name, value]) => ({ name, value: value as string | undefined, add: true })),
  );
  return fc.array(change, { minLength: 0, maxLength: 3 }).chain((changes) =>
    fc.boolean().map((upper) => {
      let list: HeaderList = good.map(([n, v]) => [n, v]);
      for (const c of changes) {
        if (!c.add) list = list.filter(([n]) => n !== c.name);
        if (c.value !== undefined) list.push([c.name, c.value]);
      }
      // Header names are case-insensitive: a server that compares them exactly is wrong.
      return upper ? list.map(([n, v]) => [n.toUpperCase(), v] as [string, string]) : list;
    }),
  );
}

/** Mostly-good headers: a light touch, for properties about bodies and tool arguments. */
export function lightlyMutatedHeaders(good: HeaderList): fc.Arbitrary<HeaderList> {
  return fc.oneof(
    { arbitrary: fc.constant(good), weight: 9 },
    { arbitrary: mutatedHeaders(good), weight: 1 },
  );
}

/** The values templates name: `$TOKEN`, `$OTHER_TOKEN` (a second principal), `$PORT`, `$SESSION`. */
export interface TemplateVars {
  token: string;
  otherToken: string;
  port: number;
  session: string;
}

/** Fills the `$NAME` placeholders of a header value. */
export function fillTemplate(value: string, vars: TemplateVars): string {
  return value
    .replaceAll('$OTHER_TOKEN', vars.otherToken)
    .replaceAll('$TOKEN', vars.token)
    .replaceAll('$PORT', String(vars.port))
    .replaceAll('$SESSION', vars.session);
}

import fc from 'fast-check';
import { huge } from './jsonRpcArbitraries.js';

/**
 * Bodies around JSON-RPC messages: as they are, batched, truncated, with invalid UTF-8 or
 * padding, or not JSON at all; and their encoding, which expands the `@@huge@@`/`@@deep@@`
 * placeholders of jsonRpcArbitraries after serialisation.
 */

/** A body as a readable description; `encodeBody` turns it into bytes. */
export type BodySpec =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'truncated'; value: unknown; keep: number }
  | { kind: 'badUtf8'; value: unknown; at: number; bytes: number[] }
  | { kind: 'padded'; value: unknown; before: string; after: string };

const INVALID_UTF8: number[][] = [
  [0xff],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
];

/** Bodies around a message: as is, batched, truncated, with invalid UTF-8, or not JSON at all. */
export function bodyAround(messages: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> {
  const value = fc.oneof(
    { arbitrary: messages, weight: 6 },
    { arbitrary: fc.array(messages, { minLength: 0, maxLength: 4 }), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: value.map((v) => ({ kind: 'json' as const, value: v })), weight: 16 },
    {
      arbitrary: fc.record({
        kind: fc.constant('truncated' as const),
        value,
        keep: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('badUtf8' as const),
        value,
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        bytes: fc.constantFrom(...INVALID_UTF8),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('padded' as const),
        value,
        before: fc.constantFrom('', ' \n\t', '\uFEFF', '\u0000'),
        after: fc.constantFrom('', '\n', ' garbage', '}', '\u0000', ']'),
      }),
      weight: 1,
    },
    {
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            '',
            ' ',
            'null',
            '{',
            '[',
            '[]',
            '[[]]',
            '{}',
            '"x"',
            '1',
            'true',
            '{"jsonrpc":"2.0"',
            'NaN',
            'undefined',
          ),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.integer({ min: 0, max: 300_000 }).map((n) => huge(n)),
        )
        .map((text) => ({ kind: 'text' as const, text })),
      weight: 2,
    },
  );
}

function expand(json: string): string {
  return json
    .replace(/"@@huge:(\d+):([^@]*)@@"/g, (_m, n: string, ch: string) =>
      JSON.stringify((JSON.parse(`"${ch}"`) as string).repeat(Number(n))),
    )
    .replace(/"@@deep:(\d+):([[{])@@"/g, (_m, n: string, open: string) =>
      open === '['
        ? `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`
        : `${'{"a":'.repeat(Number(n))}0${'}'.repeat(Number(n))}`,
    );
}

/** The bytes of a body spec, placeholders expanded. */
export function encodeBody(body: BodySpec): Buffer {
  const json = (v: unknown) => expand(JSON.stringify(v) ?? 'null');
  switch (body.kind) {
    case 'json':
      return Buffer.from(json(body.value));
    case 'text': {
      const big = /^@@huge:(\d+):(.)@@$/.exec(body.text);
      return Buffer.from(big ? (big[2] ?? 'a').repeat(Number(big[1])) : body.text);
    }
    case 'truncated': {
      const text = json(body.value);
      return Buffer.from(text.slice(0, Math.floor(text.length * body.keep)));
    }
    case 'badUtf8': {
      const bytes = Buffer.from(json(body.value));
      const at = Math.floor(bytes.length * body.at);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(body.bytes), bytes.subarray(at)]);
    }
    case 'padded':
      return Buffer.from(`${body.before}${json(body.value)}${body.after}`);
  }
}

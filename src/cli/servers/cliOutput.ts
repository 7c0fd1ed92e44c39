import { FleetError, markOperator } from '../../errors/index.js';

/** Where a command prints; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

// C0 and C1 controls, DEL, and the Unicode bidi controls (marks, embeddings, overrides, isolates).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is matched
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw but a terminal may still act on: C1 controls, bidi controls, line separators.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Text from a registry or npm (names, descriptions, warnings quoting them) made safe to print:
 * anyone can publish a package, and an escape sequence in its description could rewrite the
 * screen, and a bidi override could make a name read as another. Whitespace controls become
 * one space (a table cell stays on its line); every other control is dropped.
 */
export function printable(text: string): string {
  return text.replace(/[\t\n\v\f\r]+/g, ' ').replace(UNPRINTABLE, '');
}

/** JSON for printing: as `JSON.stringify`, with C1, bidi and line-separator characters escaped too. */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Left-aligned columns, two spaces apart; the last column is not padded; cells made `printable`. */
export function table(input: readonly (readonly string[])[]): string {
  const rows = input.map((row) => row.map(printable));
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** At most `max` characters, with … when cut. */
export const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Arguments as a shell would need them quoted, for showing a command (never for running one). */
export function showCommand(words: readonly string[]): string {
  return words
    .map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

const NETWORK_CODES = new Set(['UNAVAILABLE', 'TIMEOUT', 'UPSTREAM_ERROR']);

/**
 * A registry that cannot be reached or answers nonsense is the operator's to deal with (proxy,
 * DNS, an outage), not a defect: such errors leave here marked for the operator, so the CLI
 * prints one line and exits 2. `isOperatorError` does not take these codes on their own because
 * inside the hub they are per-call results.
 */
export async function withNetworkErrorsAsOperator<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FleetError && NETWORK_CODES.has(error.code)) throw markOperator(error);
    throw error;
  }
}

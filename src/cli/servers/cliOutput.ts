import { CommanderError } from 'commander';
import { FleetError } from '../../errors/index.js';

/** Where a command prints; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
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
 * DNS, an outage), not a defect: print one line and exit 2. `isOperatorError` leaves these codes
 * out because inside the hub they are per-call results, so the CLI edge converts them here.
 */
export async function withNetworkErrorsAsOperator<T>(io: CliIo, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FleetError && NETWORK_CODES.has(error.code)) {
      io.err(`mcp-fleet: ${error.message}\n`);
      throw new CommanderError(2, `mcp-fleet.${error.code.toLowerCase()}`, error.message);
    }
    throw error;
  }
}

import { printable } from './terminal.js';

/** A table cell: its text, and optionally how to paint it (applied after alignment, so colors never skew widths). */
export type Cell = string | { text: string; paint?: (text: string) => string };

const textOf = (cell: Cell | undefined): string =>
  cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text;

/** Width on a terminal; wide characters are rare enough in this output to count as one. */
const width = (text: string): number => [...text].length;

/**
 * Left-aligned columns two spaces apart, the header first; the last column is not padded (no
 * trailing blanks), and a cell's text is made printable (see `printable`) and kept to one line.
 * Continuation rows (first cell empty) carry extra lines of a multi-line value.
 */
export function renderTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
  bold = (t: string) => t,
): string {
  const clean = (cell: Cell | undefined): Cell => {
    const text = printable(textOf(cell)).replace(/\n/g, ' ');
    return typeof cell === 'object' ? { ...cell, text } : text;
  };
  const body = rows.map((row) => header.map((_, col) => clean(row[col])));
  const widths = header.map((h, col) => Math.max(width(h), ...body.map((row) => width(textOf(row[col])))));
  const line = (cells: readonly Cell[], head: boolean) =>
    cells
      .map((cell, col) => {
        const text = textOf(cell);
        const padded = col === cells.length - 1 ? text : text + ' '.repeat((widths[col] ?? 0) - width(text));
        if (head) return bold(padded);
        const paint = typeof cell === 'object' ? cell.paint : undefined;
        // Paint the text only, not the padding after it.
        return paint ? paint(text) + padded.slice(text.length) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header, true), ...body.map((row) => line(row, false))].join('\n');
}

/**
 * The first `max` lines of a text and a note on how many more there were, for a table's
 * continuation rows; a trailing newline does not count as an empty last line.
 */
export function firstLines(text: string, max: number): { lines: string[]; more: number } {
  const all = text.replace(/\n$/, '').split('\n');
  if (text === '') return { lines: [], more: 0 };
  return { lines: all.slice(0, max), more: Math.max(0, all.length - max) };
}

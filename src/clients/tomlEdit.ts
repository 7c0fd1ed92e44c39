import { parse, stringify, TomlError } from 'smol-toml';
import { FleetError } from '../errors/index.js';
import { sameJson } from './hubEntry.js';

/**
 * Edits one `[<table>.<name>]` table of a TOML file (Codex's `config.toml`) as text: only the
 * lines of that table (and its sub-tables) change, everything else — comments, order,
 * formatting of other tables — stays byte for byte. Every result is parsed again and compared
 * with the original data, so an edit that would change anything else (a table written inline,
 * a header inside a multi-line string) is refused instead of written.
 *
 * Round trip: an insert appends `<blank line>` + the table at the end of the file (adding a
 * final newline first if there was none, which the caller records); a remove deletes the
 * table's lines and one blank line before them.
 */

function invalid(file: string, what: string, line?: number, column?: number): FleetError {
  const at = line ? ` at line ${line}, column ${column ?? 1}` : '';
  return new FleetError('CONFIG_INVALID', `cannot edit ${file}: ${what}${at} (the file was not changed)`, {
    file,
    ...(line ? { line, column: column ?? 1 } : {}),
  });
}

function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      throw invalid(file, `invalid TOML (${reason})`, error.line, error.column);
    }
    throw error;
  }
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** The map of `table` (undefined when absent); CONFIG_INVALID when the file cannot be read. */
export function readTomlEntries(
  text: string,
  file: string,
  table: string,
): Record<string, unknown> | undefined {
  const data = parseToml(text, file);
  const servers = data[table];
  if (servers === undefined) return undefined;
  if (!isTable(servers)) throw invalid(file, `"${table}" is not a table`);
  return servers;
}

const KEY_PARTS: readonly RegExp[] = [/^"((?:[^"\\]|\\.)*)"/, /^'([^']*)'/, /^([A-Za-z0-9_-]+)/];

/** `a."b c".d` → ['a', 'b c', 'd']; null when it is not a plain dotted key. */
function parseKeyPath(source: string): string[] | null {
  const keys: string[] = [];
  let rest = source.trim();
  while (rest.length > 0) {
    const index = KEY_PARTS.findIndex((re) => re.test(rest));
    const match = index < 0 ? null : (KEY_PARTS[index] as RegExp).exec(rest);
    if (!match) return null;
    if (index === 0) {
      try {
        keys.push(JSON.parse(`"${match[1]}"`) as string);
      } catch {
        return null;
      }
    } else keys.push(match[1] as string);
    rest = rest.slice(match[0].length).trimStart();
    if (rest.length === 0) break;
    if (!rest.startsWith('.')) return null;
    rest = rest.slice(1).trimStart();
  }
  return keys;
}

interface Line {
  start: number;
  /** Offset after the line's end of line. */
  end: number;
  text: string;
  /** The key path of a table header, [] for a header it cannot read, null for any other line. */
  header: string[] | null;
}

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let inString: '"""' | "'''" | null = null;
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline + 1;
    const line = text.slice(start, end).replace(/\r?\n$/, '');
    let header: string[] | null = null;
    if (!inString && /^[ \t]*\[/.test(line)) {
      const std = /^[ \t]*\[(?!\[)(.*)\][ \t]*(?:#.*)?$/.exec(line);
      header = std ? (parseKeyPath(std[1] as string) ?? []) : [];
    }
    // A header-looking line inside a multi-line string is text, not a header.
    for (const quote of ['"""', "'''"] as const) {
      const count = line.split(quote).length - 1;
      if (count % 2 === 1 && (inString === null || inString === quote)) inString = inString ? null : quote;
    }
    lines.push({ start, end, text: line, header });
    start = end;
  }
  return lines;
}

const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.every((key, i) => path[i] === key);

/** Offsets of the lines of `[table.name]` and its sub-tables, without trailing blanks and comments. */
function tableSpan(text: string, table: string, name: string): { start: number; end: number } | undefined {
  const lines = linesOf(text);
  const own = [table, name];
  const at = lines.findIndex((l) => l.header && l.header.length === 2 && startsWith(l.header, own));
  if (at < 0) return undefined;
  let end = (lines[at] as Line).end;
  for (const line of lines.slice(at + 1)) {
    if (line.header && !(line.header.length > 2 && startsWith(line.header, own))) break;
    if (line.header || !/^[ \t]*(#.*)?$/.test(line.text)) end = line.end;
  }
  return { start: (lines[at] as Line).start, end };
}

const bareKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key));

function tomlString(value: string): string {
  // JSON escapes are TOML basic-string escapes; TOML also wants DEL escaped.
  return JSON.stringify(value).replace(/\u007f/g, '\\u007F');
}

function tomlValue(value: unknown): string {
  if (typeof value === 'string') return tomlString(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (isTable(value)) {
    const members = Object.entries(value).map(([k, v]) => `${bareKey(k)} = ${tomlValue(v)}`);
    return members.length ? `{ ${members.join(', ')} }` : '{}';
  }
  return (stringify({ v: value }).split('\n')[0] ?? '').replace(/^v = /, '');
}

/** `[table.name]` and one `key = value` line per member (objects inline), joined with `eol`. */
function renderTable(table: string, name: string, entry: Record<string, unknown>, eol: string): string {
  const lines = [`[${bareKey(table)}.${bareKey(name)}]`];
  for (const [key, value] of Object.entries(entry)) {
    if (value !== undefined) lines.push(`${bareKey(key)} = ${tomlValue(value)}`);
  }
  return lines.join(eol) + eol;
}

function withoutEntry(data: Record<string, unknown>, table: string, name: string): Record<string, unknown> {
  const servers = isTable(data[table]) ? { ...(data[table] as Record<string, unknown>) } : undefined;
  if (!servers) return data;
  delete servers[name];
  const { [table]: _dropped, ...rest } = data;
  return Object.keys(servers).length ? { ...rest, [table]: servers } : rest;
}

/** Refuses an edit whose result parses to anything but the intended change. */
function verify(
  before: string,
  after: string,
  file: string,
  table: string,
  name: string,
  entry: unknown,
): void {
  const original = withoutEntry(parseToml(before, file), table, name);
  let result: Record<string, unknown>;
  try {
    result = parse(after) as Record<string, unknown>;
  } catch {
    throw invalid(
      file,
      `[${table}.${name}] cannot be edited as its own table here (is "${table}" written inline?)`,
    );
  }
  const servers = result[table];
  const written = isTable(servers) ? servers[name] : undefined;
  if (!sameJson(withoutEntry(result, table, name), original) || !sameJson(written, entry)) {
    throw invalid(
      file,
      `[${table}.${name}] is not written as its own table, which is the only form mcp-fleet edits`,
    );
  }
}

export interface TomlSetResult {
  text: string;
  /** The file had no final newline and got one (remove takes it away again). */
  addedFinalNewline: boolean;
}

/** A UTF-8 byte order mark, set aside so a table header on the first line is still found. */
const BOM = '\ufeff';

/** Adds or replaces the table `[table.name]` with `entry`. */
export function setTomlEntry(
  text: string,
  file: string,
  table: string,
  name: string,
  entry: Record<string, unknown>,
): TomlSetResult {
  if (text.startsWith(BOM)) {
    const result = setTomlEntry(text.slice(BOM.length), file, table, name, entry);
    return { ...result, text: BOM + result.text };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const existing = readTomlEntries(text, file, table)?.[name];
  const rendered = renderTable(table, name, entry, eol);
  let next: string;
  let addedFinalNewline = false;
  if (existing !== undefined) {
    const span = tableSpan(text, table, name);
    if (!span)
      throw invalid(
        file,
        `[${table}.${name}] is not written as its own table, which is the only form mcp-fleet edits`,
      );
    next = text.slice(0, span.start) + rendered + text.slice(span.end);
  } else if (text.length === 0) {
    next = rendered;
  } else {
    addedFinalNewline = !text.endsWith('\n');
    next = text + (addedFinalNewline ? eol : '') + eol + rendered;
  }
  verify(text, next, file, table, name, entry);
  return { text: next, addedFinalNewline };
}

/** Removes the table `[table.name]` (and one blank line before it); the text unchanged when absent. */
export function removeTomlEntry(
  text: string,
  file: string,
  table: string,
  name: string,
  addedFinalNewline: boolean,
): string {
  if (text.startsWith(BOM))
    return BOM + removeTomlEntry(text.slice(BOM.length), file, table, name, addedFinalNewline);
  const existing = readTomlEntries(text, file, table)?.[name];
  if (existing === undefined) return text;
  const span = tableSpan(text, table, name);
  if (!span)
    throw invalid(
      file,
      `[${table}.${name}] is not written as its own table, which is the only form mcp-fleet edits`,
    );
  let before = text.slice(0, span.start);
  const after = text.slice(span.end);
  const blank = /(\r?\n)\r?\n$/.exec(before);
  if (blank) before = before.slice(0, before.length - (blank[1] as string).length);
  let next = before + after;
  if (addedFinalNewline && after.length === 0) next = next.replace(/\r?\n$/, '');
  verify(text, next, file, table, name, undefined);
  return next;
}

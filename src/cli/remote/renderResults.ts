import { type Entry, entryFailed } from './outcome.js';
import { type Cell, firstLines, renderTable } from './table.js';
import type { Style } from './terminal.js';

/** How a fleet tool's per-device result is laid out for people. */
export type ResultKind = 'exec' | 'status' | 'read' | 'write' | 'logs' | 'service';

export interface RenderOptions {
  style: Style;
  /** Output lines shown per device (exec, read); logs show every line they asked for. */
  lines: number;
}

type R = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '-' : String(v));
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function statusCell(entry: Entry, style: Style): Cell {
  return entryFailed(entry) ? { text: 'failed', paint: style.fail } : { text: 'ok', paint: style.ok };
}

function errorText(entry: Entry): string | undefined {
  return entry.error ? `${entry.error.code}: ${entry.error.message}` : undefined;
}

/** Rows for one device: its cells, then one continuation row per further line of `extra`. */
function withLines(first: Cell[], lines: Cell[], columns: number): Cell[][] {
  const [head, ...rest] = lines;
  const rows: Cell[][] = [[...first, head ?? '']];
  for (const line of rest) rows.push([...Array.from({ length: columns - 1 }, () => ''), line]);
  return rows;
}

function outputLines(
  texts: Array<{ text: string; paint?: (t: string) => string }>,
  max: number,
  style: Style,
): Cell[] {
  const cells: Cell[] = [];
  let more = 0;
  for (const { text, paint } of texts) {
    const room = Math.max(0, max - cells.length);
    const part = firstLines(text, room);
    for (const line of part.lines) cells.push(paint ? { text: line, paint } : line);
    more += part.more;
  }
  if (more > 0)
    cells.push({ text: `… ${more} more line${more === 1 ? '' : 's'} (--json for all)`, paint: style.dim });
  return cells;
}

function execExit(r: R): string {
  if (r.timed_out === true) return 'timeout';
  if (typeof r.signal === 'string' && r.signal) return r.signal;
  return str(r.exit_code);
}

function execRows(entry: Entry, o: RenderOptions): Cell[][] {
  const r = entry.result ?? {};
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  const time = formatDuration(entry.duration_ms);
  if (error && !entry.result) return [[...head, '-', time, { text: error, paint: o.style.fail }]];
  const lines = outputLines(
    [
      { text: typeof r.stdout === 'string' ? r.stdout : '' },
      { text: typeof r.stderr === 'string' ? r.stderr : '', paint: o.style.warn },
    ],
    o.lines,
    o.style,
  );
  if (error) lines.unshift({ text: error, paint: o.style.fail });
  return withLines([...head, execExit(r), time], lines, 5);
}

function statusRow(entry: Entry, o: RenderOptions): Cell[] {
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  if (!entry.result)
    return [...head, '-', '-', '-', '-', '-', '-', { text: error ?? '-', paint: o.style.fail }];
  const r = entry.result;
  const os = (r.os as R | undefined)?.pretty_name ?? (r.os as R | undefined)?.name;
  const load = r.load as R | undefined;
  const mem = r.memory as R | undefined;
  const disks = Array.isArray(r.disks) ? (r.disks as R[]) : [];
  const root = disks.find((d) => d.mountpoint === '/') ?? disks[0];
  const temps = Array.isArray(r.temperatures) ? (r.temperatures as R[]).map((t) => num(t.celsius) ?? 0) : [];
  const used = num(mem?.used_bytes);
  const total = num(mem?.total_bytes);
  return [
    ...head,
    str(os),
    num(r.uptime_s) === undefined ? '-' : formatDuration((num(r.uptime_s) ?? 0) * 1000),
    load ? [load.load1, load.load5, load.load15].map((v) => (num(v) ?? 0).toFixed(2)).join(' ') : '-',
    used !== undefined && total ? `${formatBytes(used)}/${formatBytes(total)}` : '-',
    root ? `${str(root.mountpoint)} ${Math.round(num(root.used_percent) ?? 0)}%` : '-',
    temps.length ? `${Math.max(...temps).toFixed(0)}°C` : '-',
  ];
}

function readRows(entry: Entry, o: RenderOptions): Cell[][] {
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  if (!entry.result) return [[...head, '-', '-', { text: error ?? '-', paint: o.style.fail }]];
  const r = entry.result;
  const content = r.encoding === 'base64' ? '(base64)' : typeof r.content === 'string' ? r.content : '';
  const size = num(r.size);
  return withLines(
    [...head, size === undefined ? '-' : formatBytes(size), str(r.sha256).slice(0, 12)],
    outputLines([{ text: content }], o.lines, o.style),
    5,
  );
}

function writeRow(entry: Entry, o: RenderOptions): Cell[] {
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  if (!entry.result) return [...head, '-', '-', { text: error ?? '-', paint: o.style.fail }];
  const r = entry.result;
  const note = [
    r.created === true ? 'created' : 'replaced',
    r.backup_path ? `backup ${str(r.backup_path)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const size = num(r.size);
  return [...head, size === undefined ? '-' : formatBytes(size), str(r.sha256).slice(0, 12), note];
}

function logRows(entry: Entry, o: RenderOptions): Cell[][] {
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  if (!entry.result) return [[...head, '-', { text: error ?? '-', paint: o.style.fail }]];
  const r = entry.result;
  const lines: Cell[] = Array.isArray(r.lines) ? (r.lines as unknown[]).map((l) => String(l)) : [];
  const notes = Array.isArray(r.notes)
    ? (r.notes as unknown[]).map((n) => ({ text: `(${String(n)})`, paint: o.style.dim }))
    : [];
  const all: Cell[] = [...lines, ...notes];
  if (all.length === 0) all.push({ text: '(no lines)', paint: o.style.dim });
  return withLines([...head, str(r.source)], all, 4);
}

function serviceRow(entry: Entry, o: RenderOptions): Cell[] {
  const head: Cell[] = [entry.device, statusCell(entry, o.style)];
  const error = errorText(entry);
  if (!entry.result) return [...head, '-', '-', '-', { text: error ?? '-', paint: o.style.fail }];
  const r = entry.result;
  const active = `${str(r.active_state)} (${str(r.sub_state)})`;
  const paint =
    r.active_state === 'active' ? o.style.ok : r.active_state === 'failed' ? o.style.fail : undefined;
  const out = firstLines(typeof r.output === 'string' ? r.output : '', 1).lines[0] ?? '';
  return [...head, paint ? { text: active, paint } : active, str(r.unit_file_state), str(r.exit_code), out];
}

const HEADERS: Record<ResultKind, string[]> = {
  exec: ['DEVICE', 'STATUS', 'EXIT', 'TIME', 'OUTPUT'],
  status: ['DEVICE', 'STATUS', 'OS', 'UPTIME', 'LOAD', 'MEMORY', 'DISK', 'TEMP'],
  read: ['DEVICE', 'STATUS', 'SIZE', 'SHA256', 'CONTENT'],
  write: ['DEVICE', 'STATUS', 'SIZE', 'SHA256', 'NOTE'],
  logs: ['DEVICE', 'STATUS', 'SOURCE', 'LINES'],
  service: ['DEVICE', 'STATUS', 'ACTIVE', 'ENABLED', 'EXIT', 'OUTPUT'],
};

/** `3 devices: 2 ok, 1 failed` (failed painted), the line under every table. */
export function summaryLine(entries: readonly Entry[], style: Style): string {
  const failed = entries.filter(entryFailed).length;
  const ok = entries.length - failed;
  const parts = [style.ok(`${ok} ok`), ...(failed ? [style.fail(`${failed} failed`)] : [])];
  return `${entries.length} device${entries.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/**
 * A fleet tool's result as an aligned table, one row per device (continuation rows for output
 * lines) and a summary line; a failed device shows its error code and message. Status rows of
 * failed devices get their error in the last column.
 */
export function renderResults(kind: ResultKind, entries: readonly Entry[], o: RenderOptions): string {
  let rows: Cell[][];
  const header = [...HEADERS[kind]];
  switch (kind) {
    case 'exec':
      rows = entries.flatMap((e) => execRows(e, o));
      break;
    case 'status':
      rows = entries.map((e) => statusRow(e, o));
      if (entries.some((e) => !e.result)) header.push('ERROR');
      rows = rows.map((row) => (row.length > header.length ? row.slice(0, header.length) : row));
      break;
    case 'read':
      rows = entries.flatMap((e) => readRows(e, o));
      break;
    case 'write':
      rows = entries.map((e) => writeRow(e, o));
      break;
    case 'logs':
      rows = entries.flatMap((e) => logRows(e, o));
      break;
    case 'service':
      rows = entries.map((e) => serviceRow(e, o));
      break;
  }
  if (entries.length === 0) return 'no devices matched\n';
  return `${renderTable(header, rows, o.style.bold)}\n${summaryLine(entries, o.style)}\n`;
}

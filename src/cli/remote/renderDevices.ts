import { z } from 'zod';
import { formatDuration } from './renderResults.js';
import { type Cell, renderTable } from './table.js';
import { printable, type Style } from './terminal.js';

/** A device as fleet_devices lists it, read leniently (a newer hub may add fields). */
export const DeviceRowSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()).default([]),
  source: z.string().optional(),
  connector: z.string().default('unknown'),
  address: z.string().nullable().default(null),
  description: z.string().nullable().default(null),
  state: z.string().default('unknown'),
  since: z.string().nullable().default(null),
  last_seen: z.string().nullable().default(null),
  latency_ms: z.number().nullable().default(null),
  last_error: z.string().nullable().default(null),
});
export type DeviceRow = z.output<typeof DeviceRowSchema>;

/** fleet_devices' structured result, or `undefined` when it is not one. */
export function parseDevices(structured: unknown): DeviceRow[] | undefined {
  const parsed = z.object({ devices: z.array(DeviceRowSchema) }).safeParse(structured);
  return parsed.success ? parsed.data.devices : undefined;
}

function statePaint(state: string, style: Style): (text: string) => string {
  if (state === 'up') return style.ok;
  if (state === 'down') return style.fail;
  return state === 'degraded' ? style.warn : style.dim;
}

function stateCell(state: string, style: Style): Cell {
  return { text: state, paint: statePaint(state, style) };
}

/** How long ago an ISO time was, `12s ago`; `-` for none. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${formatDuration(Math.max(0, now - t))} ago`;
}

/** The hub's devices as a table: name, presence, connector, address, tags, last seen, last error. */
export function renderDeviceTable(devices: readonly DeviceRow[], style: Style, now: number): string {
  if (devices.length === 0) return 'no devices\n';
  const rows = devices.map((d): Cell[] => [
    d.name,
    stateCell(d.state, style),
    d.connector,
    d.address ?? '-',
    d.tags.join(',') || '-',
    ago(d.last_seen, now),
    d.last_error ? { text: d.last_error, paint: style.fail } : '',
  ]);
  const up = devices.filter((d) => d.state === 'up').length;
  const down = devices.filter((d) => d.state === 'down').length;
  const summary = `${devices.length} device${devices.length === 1 ? '' : 's'}: ${style.ok(`${up} up`)}${down ? `, ${style.fail(`${down} down`)}` : ''}`;
  return `${renderTable(['NAME', 'STATE', 'CONNECTOR', 'ADDRESS', 'TAGS', 'LAST SEEN', 'LAST ERROR'], rows, style.bold)}\n${summary}\n`;
}

/** One device, a field per line. */
export function renderDeviceDetail(d: DeviceRow, style: Style, now: number): string {
  const fields: Array<[string, string]> = [
    ['name', d.name],
    ['state', d.state],
    ['since', d.since ?? '-'],
    ['connector', d.connector],
    ['address', d.address ?? '-'],
    ['source', d.source ?? '-'],
    ['tags', d.tags.join(', ') || '-'],
    ['description', d.description ?? '-'],
    ['last seen', d.last_seen ? `${d.last_seen} (${ago(d.last_seen, now)})` : '-'],
    ['latency', d.latency_ms === null ? '-' : `${d.latency_ms} ms`],
    ['last error', d.last_error ?? '-'],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  return `${fields
    .map(([k, v]) => {
      const value = printable(v).replace(/\n/g, ' ');
      return `${style.bold(k.padEnd(width))}  ${k === 'state' ? statePaint(v, style)(value) : value}`;
    })
    .join('\n')}\n`;
}

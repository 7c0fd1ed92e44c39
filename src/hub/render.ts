import type { DeviceInfo } from './fleetTools.js';

/** One device's outcome as the renderer sees it. */
export interface RenderEntry {
  device: string;
  ok: boolean;
  /**
   * The device's own text rendering of its result (ok), or more detail shown under the error
   * (failed: a recipe's steps up to the one that failed).
   */
  text?: string;
  error?: { code: string; message: string };
}

export interface RenderOptions {
  /** Names shown per group before "… and N more"; default 8. */
  maxNames?: number;
  /** Characters of text shown per multi-line group before truncating; default 4000. */
  maxTextChars?: number;
}

const DEFAULT_MAX_NAMES = 8;
const DEFAULT_MAX_TEXT_CHARS = 4000;
/** Longest text still rendered on the group's own line. */
const MAX_INLINE_CHARS = 200;
/** Shown for an ok entry with no text, so it is grouped and visible rather than a blank line. */
const NO_OUTPUT = '(no output)';

/** Summary buckets in the order they are reported. */
const OUTCOMES = ['ok', 'timed out', 'down', 'cancelled', 'denied', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];

function outcomeOf(entry: RenderEntry): Outcome {
  if (entry.ok) return 'ok';
  switch (entry.error?.code) {
    case 'TIMEOUT':
    case 'DEADLINE':
      return 'timed out';
    case 'DEVICE_DOWN':
      return 'down';
    case 'CANCELLED':
      return 'cancelled';
    case 'POLICY_DENIED':
      return 'denied';
    default:
      return 'failed';
  }
}

/**
 * One line of counts, e.g. `14 ok, 1 timed out, 2 down`: the first thing the model reads, so it
 * can tell at a glance whether to look further. Only non-zero outcomes appear, always in the order
 * ok, timed out (TIMEOUT, DEADLINE), down, cancelled, denied, failed (anything else).
 */
export function summarize(entries: readonly RenderEntry[]): string {
  if (entries.length === 0) return 'no devices matched';
  const counts = new Map<Outcome, number>();
  for (const entry of entries) {
    const outcome = outcomeOf(entry);
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  return OUTCOMES.filter((o) => counts.has(o))
    .map((o) => `${counts.get(o)} ${o}`)
    .join(', ');
}

/**
 * Line endings and trailing whitespace differ between otherwise identical outputs (`active\n`
 * vs `active`); normalising them lets such devices share a group instead of splitting it.
 */
function normalise(text: string): string {
  return text.replace(/\r\n?/g, '\n').trimEnd();
}

/** The text a group is keyed and shown by: the result text if ok, `CODE: message` (then any detail) if not. */
function shownText(entry: RenderEntry): string {
  if (entry.ok) return normalise(entry.text ?? '') || NO_OUTPUT;
  const error = entry.error ?? { code: 'INTERNAL', message: 'failed without an error' };
  const detail = normalise(entry.text ?? '');
  return normalise(`${error.code}: ${error.message}${detail ? `\n${detail}` : ''}`);
}

interface Group {
  text: string;
  devices: string[];
}

/** Groups identical outputs, largest first, ties by first appearance (stable sort keeps it). */
function groupEntries(entries: readonly RenderEntry[]): Group[] {
  const byKey = new Map<string, Group>();
  for (const entry of entries) {
    const text = shownText(entry);
    // The ok/error prefix keeps an ok text that happens to read `TIMEOUT: …` apart from a real one.
    const key = `${entry.ok ? 'ok' : 'error'}\n${text}`;
    const group = byKey.get(key);
    if (group) group.devices.push(entry.device);
    else byKey.set(key, { text, devices: [entry.device] });
  }
  return [...byKey.values()].sort((a, b) => b.devices.length - a.devices.length);
}

function listNames(devices: readonly string[], maxNames: number): string {
  const shown = devices.slice(0, maxNames);
  const hidden = devices.length - shown.length;
  return hidden > 0 ? [...shown, `… and ${hidden} more`].join(', ') : shown.join(', ');
}

/** `pi-3`, `12 devices` (the group is everything), or `2 devices (pi-3, pi-7)`. */
function label(group: Group, total: number, maxNames: number): string {
  const [only] = group.devices;
  if (group.devices.length === 1 && only !== undefined) return only;
  const count = `${group.devices.length} devices`;
  return group.devices.length === total ? count : `${count} (${listNames(group.devices, maxNames)})`;
}

/** Cuts at `max` UTF-16 units without splitting a surrogate pair, and says how much was cut. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
  const kept = text.slice(0, cut);
  return `${kept}${kept.endsWith('\n') || kept === '' ? '' : '\n'}… (truncated, ${text.length - cut} more chars)`;
}

/**
 * The compact text the model reads for a fan-out: the summary line, a blank line, then one
 * group per distinct output, so 40 identical `active` answers cost one line, not forty.
 *
 * A short single-line output is one line, `<label>: <text>`, where the label is the device name
 * for one device, `N devices` when every entry is in the group, else `N devices (a, b, …)` with
 * at most `maxNames` names. Longer or multi-line output is a block: `== <label> ==`, then the
 * text truncated to `maxTextChars`; blocks are set off from their neighbours by a blank line.
 * Failures group by `CODE: message`. The output depends only on the entries and options.
 */
export function renderFleetResult(entries: readonly RenderEntry[], options: RenderOptions = {}): string {
  const summary = summarize(entries);
  if (entries.length === 0) return summary;
  const maxNames = Math.max(0, Math.floor(options.maxNames ?? DEFAULT_MAX_NAMES));
  const maxTextChars = Math.max(0, Math.floor(options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS));

  const rendered = groupEntries(entries).map((group) => {
    const name = label(group, entries.length, maxNames);
    const inline = !group.text.includes('\n') && group.text.length <= MAX_INLINE_CHARS;
    return inline
      ? { block: false, text: `${name}: ${group.text}` }
      : { block: true, text: `== ${name} ==\n${truncate(group.text, maxTextChars)}` };
  });

  let body = '';
  rendered.forEach((group, i) => {
    const previous = rendered[i - 1];
    if (previous) body += previous.block || group.block ? '\n\n' : '\n';
    body += group.text;
  });
  return `${summary}\n\n${body}`;
}

/** `3 devices: 2 up, 1 down`: the summary line of fleet_devices. */
export function devicesSummary(devices: DeviceInfo[]): string {
  if (devices.length === 0) return 'no devices';
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  const parts = ['up', 'degraded', 'down', 'unknown']
    .filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s}`);
  return `${devices.length} device${devices.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** One line per device: the listing stays compact for the model even for a large fleet. */
export function renderDevices(devices: DeviceInfo[]): string {
  const lines = devices.map((d) => {
    const tags = d.tags.length ? ` [${d.tags.join(',')}]` : '';
    const state =
      d.state === 'down'
        ? `down since ${d.since}${d.last_error ? `: ${d.last_error}` : ''}`
        : d.state === 'up' || d.state === 'degraded'
          ? `${d.state}${d.latency_ms !== null ? ` ${d.latency_ms} ms` : ''}`
          : d.state;
    return `${d.name}${tags} ${d.connector}: ${state}`;
  });
  return [devicesSummary(devices), ...lines].join('\n');
}

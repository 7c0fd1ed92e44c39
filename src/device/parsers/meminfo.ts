/** Memory and swap totals from `/proc/meminfo`, all in bytes. */
export type MemInfo = {
  total_bytes: number;
  /** `MemAvailable`, or `MemFree + Buffers + Cached` on kernels older than 3.14 that lack it. */
  available_bytes: number;
  /** `total_bytes - available_bytes`: memory the system cannot hand out without swapping. */
  used_bytes: number;
  swap_total_bytes: number;
  swap_used_bytes: number;
};

/** Reads `Key:   1234 kB` lines into bytes; values without a `kB` unit (page counts) are kept as-is. */
function readFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s*(\d+)(?:\s*(kB))?\s*$/.exec(line);
    if (match === null) continue;
    const [, key, digits, unit] = match;
    if (key === undefined || digits === undefined) continue;
    const value = Number(digits);
    fields.set(key, unit === undefined ? value : value * 1024);
  }
  return fields;
}

/** Parses `/proc/meminfo` into byte totals; missing or garbled fields count as 0. */
export function parseMeminfo(text: string): MemInfo {
  const fields = readFields(text);
  const field = (key: string): number => fields.get(key) ?? 0;
  const total = field('MemTotal');
  const available = Math.min(
    total,
    fields.get('MemAvailable') ?? field('MemFree') + field('Buffers') + field('Cached'),
  );
  const swapTotal = field('SwapTotal');
  return {
    total_bytes: total,
    available_bytes: available,
    used_bytes: Math.max(0, total - available),
    swap_total_bytes: swapTotal,
    swap_used_bytes: Math.max(0, swapTotal - field('SwapFree')),
  };
}

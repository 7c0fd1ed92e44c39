/** Byte counters of one network interface since boot (or since it was created). */
export type NetDevCounters = { rx_bytes: number; tx_bytes: number };

/**
 * Parses `/proc/net/dev` into per-interface byte counters. Each data line is `name: ` followed by
 * 8 receive and 8 transmit columns; the two header lines (with `|`) and garbled lines are skipped.
 */
export function parseNetDev(text: string): Record<string, NetDevCounters> {
  // No prototype: interface names are arbitrary text and must not hit `__proto__`.
  const result: Record<string, NetDevCounters> = Object.create(null);
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const columns = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const rx = columns[0];
    const tx = columns[8];
    if (name === '' || rx === undefined || tx === undefined) continue;
    if (!/^\d+$/.test(rx) || !/^\d+$/.test(tx)) continue;
    result[name] = { rx_bytes: Number(rx), tx_bytes: Number(tx) };
  }
  return result;
}

/** Aggregate CPU time counters (in USER_HZ ticks) from one `/proc/stat` snapshot. */
export type CpuTimes = {
  /** user + nice + system + idle + iowait + irq + softirq + steal. */
  total: number;
  /** idle + iowait. */
  idle: number;
};

/**
 * Parses the aggregate `cpu ` line of `/proc/stat`. Only the first 8 fields are summed: the guest
 * and guest_nice fields that follow are already included in user and nice. Missing fields (old
 * kernels print fewer) count as 0; without a `cpu ` line both counters are 0.
 */
export function parseCpuTimes(text: string): CpuTimes {
  const line = text.split('\n').find((candidate) => /^cpu\s/.test(candidate));
  if (line === undefined) return { total: 0, idle: 0 };
  const fields = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map((field) => {
      const ticks = Number(field);
      return Number.isFinite(ticks) && ticks >= 0 ? ticks : 0;
    });
  const total = fields.reduce((sum, ticks) => sum + ticks, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}

/**
 * Busy share of all CPUs between two snapshots, 0–100 rounded to one decimal, because a single
 * snapshot only holds counters since boot. Null when the total did not advance (same or reset counters).
 */
export function cpuPercent(prev: CpuTimes, next: CpuTimes): number | null {
  const total = next.total - prev.total;
  if (!Number.isFinite(total) || total <= 0) return null;
  const idle = next.idle - prev.idle;
  const busy = Math.min(1, Math.max(0, (total - idle) / total));
  return Math.round(busy * 1000) / 10;
}

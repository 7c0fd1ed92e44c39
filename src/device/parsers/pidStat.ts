/** The process fields of `/proc/[pid]/stat` that a process list needs. */
export type PidStat = {
  pid: number;
  /** Executable name (up to 15 bytes), may contain spaces and parentheses. */
  comm: string;
  /** One letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, I idle, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** CPU time in user mode, in clock ticks (USER_HZ, normally 100 per second). */
  utime_ticks: number;
  /** CPU time in kernel mode, in clock ticks. */
  stime_ticks: number;
  /** Start time after boot, in clock ticks. */
  starttime_ticks: number;
  num_threads: number;
  vsize_bytes: number;
  /** Resident set size in pages (multiply by the page size, usually 4096). */
  rss_pages: number;
};

/**
 * Parses one `/proc/[pid]/stat` line. `comm` runs from the first `(` to the LAST `)`, since a
 * process may name itself `a) b` or `tmux: server`. Null for truncated or garbled lines.
 */
export function parsePidStat(text: string): PidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pidText = text.slice(0, open).trim();
  if (!/^\d+$/.test(pidText)) return null;
  // Fields after comm, numbered as in proc(5): rest[0] is field 3 (state).
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number | null => {
    const value = rest[n - 3];
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : null;
  };
  const state = rest[0];
  const ppid = field(4);
  const pgrp = field(5);
  const session = field(6);
  const utime = field(14);
  const stime = field(15);
  const threads = field(20);
  const starttime = field(22);
  const vsize = field(23);
  const rss = field(24);
  if (
    state === undefined ||
    !/^[A-Za-z]$/.test(state) ||
    ppid === null ||
    pgrp === null ||
    session === null ||
    utime === null ||
    stime === null ||
    threads === null ||
    starttime === null ||
    vsize === null ||
    rss === null
  ) {
    return null;
  }
  return {
    pid: Number(pidText),
    comm: text.slice(open + 1, close),
    state,
    ppid,
    pgrp,
    session,
    utime_ticks: utime,
    stime_ticks: stime,
    starttime_ticks: starttime,
    num_threads: threads,
    vsize_bytes: vsize,
    rss_pages: rss,
  };
}

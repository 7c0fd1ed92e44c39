/**
 * Parses `/proc/uptime` (`244.73 437.26`: seconds since boot, then summed idle seconds of all CPUs)
 * and returns the seconds since boot; 0 for garbled text.
 */
export function parseUptime(text: string): number {
  const first = text.trim().split(/\s+/)[0] ?? '';
  const seconds = Number(first);
  return first === '' || !Number.isFinite(seconds) || seconds < 0 ? 0 : seconds;
}

import type { DiskUsage } from '../device/index.js';

/**
 * Splits `grep -aHsZ ''` output (`path\0line\n` per line) back into files. A line break in a
 * file's content starts a new output line that grep prefixes with the real path, so content
 * cannot forge another file. The final newline of each file is not recoverable and is dropped;
 * the /proc and /sys parsers do not depend on it.
 */
export function parseGrepZ(output: Buffer, maxBytesPerFile: number): Map<string, string> {
  const files = new Map<string, Buffer[]>();
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf(0x0a, start);
    if (end < 0) end = output.length; // cut off by the total cap: keep what arrived
    const line = output.subarray(start, end);
    start = end + 1;
    const nul = line.indexOf(0);
    if (nul <= 0) continue;
    const path = line.subarray(0, nul).toString('utf8');
    let parts = files.get(path);
    if (!parts) {
      parts = [];
      files.set(path, parts);
    }
    parts.push(line.subarray(nul + 1));
  }
  const out = new Map<string, string>();
  for (const [path, lines] of files) {
    const joined = Buffer.concat(lines.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from('\n'), l])));
    out.set(path, joined.subarray(0, maxBytesPerFile).toString('utf8'));
  }
  return out;
}

/** Parses `stat -f -c '%S %b %f %a %n'` lines (block size, blocks, free, available, name). */
export function parseStatFs(text: string): DiskUsage[] {
  const out: DiskUsage[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\d+) (\d+) (\d+) (.+)$/.exec(line);
    if (!m) continue;
    const [, bsize, blocks, free, avail, mountpoint] = m;
    const size = Number(bsize);
    const total = Number(blocks) * size;
    out.push({
      mountpoint: mountpoint as string,
      total_bytes: total,
      used_bytes: total - Number(free) * size,
      available_bytes: Number(avail) * size,
    });
  }
  return out;
}

/** What one probe learnt about a device (see FACTS_SCRIPT). */
export interface RemoteFacts {
  machine: string;
  systemd: boolean;
  journald: boolean;
  tmux: boolean;
  ip: boolean;
  grepZ: boolean;
  uid: number | null;
}

export function parseFacts(text: string): RemoteFacts {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) kv.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const has = (key: string) => kv.get(key) === '1';
  const systemd = has('systemd_booted') && has('has_systemctl');
  const uid = Number.parseInt(kv.get('uid') ?? '', 10);
  return {
    machine: kv.get('machine') ?? '',
    systemd,
    journald: systemd && has('has_journalctl'),
    tmux: has('has_tmux'),
    ip: has('has_ip'),
    grepZ: has('grep_z'),
    uid: Number.isFinite(uid) ? uid : null,
  };
}

import { readdir, readFile } from 'node:fs/promises';

const GLOB_CHARS = /[*?[]/;

/** A glob for one path segment (`*`, `?`, `[…]`) as a RegExp; nothing crosses a `/`. */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close === -1) source += '\\[';
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Expands a pattern against the filesystem, segment by segment; no match gives no paths. */
export async function expandPattern(pattern: string): Promise<string[]> {
  if (!GLOB_CHARS.test(pattern)) return [pattern];
  let bases = [''];
  for (const segment of pattern.split('/').slice(1)) {
    const next: string[] = [];
    if (!GLOB_CHARS.test(segment)) {
      for (const base of bases) next.push(`${base}/${segment}`);
    } else {
      const re = segmentRegExp(segment);
      for (const base of bases) {
        let names: string[];
        try {
          names = await readdir(base === '' ? '/' : base);
        } catch {
          continue;
        }
        for (const name of names.sort())
          if (re.test(name) && !name.startsWith('.')) next.push(`${base}/${name}`);
      }
    }
    bases = next;
    if (bases.length === 0) break;
  }
  return bases;
}

/**
 * Reads many small files (procfs, sysfs) into a map; unreadable files are skipped, because
 * which of them exist differs from board to board and moment to moment.
 */
export async function readManyFiles(
  patterns: readonly string[],
  maxBytesPerFile: number,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pattern of patterns) {
    for (const path of await expandPattern(pattern)) {
      if (out.has(path)) continue;
      try {
        const buf = await readFile(path);
        out.set(path, buf.subarray(0, maxBytesPerFile).toString('utf8'));
      } catch {
        // Absent on this machine, or gone (a process that exited).
      }
    }
  }
  return out;
}

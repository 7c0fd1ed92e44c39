import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Deepest a snapshot descends; fixtures are a few levels deep, and a loop must not run away. */
const MAX_DEPTH = 16;

/**
 * Everything under `dir`, one sorted line per entry: its path relative to `dir`, its kind and
 * for a file its size and sha256, for a symlink its target. Symlinks are recorded, never
 * followed, so two snapshots are equal exactly when nothing under `dir` was created, removed,
 * replaced or changed: the "no side effect" check of the bypass tests.
 */
export function snapshotTree(dir: string): string[] {
  const lines: string[] = [];
  const walk = (at: string, rel: string, depth: number) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const shown = JSON.stringify(rel === '' ? name : `${rel}/${name}`);
      const s = lstatSync(path);
      if (s.isSymbolicLink()) lines.push(`${shown} -> ${JSON.stringify(readlinkSync(path))}`);
      else if (s.isDirectory()) {
        lines.push(`${shown}/ ${(s.mode & 0o7777).toString(8)}`);
        if (depth < MAX_DEPTH) walk(path, rel === '' ? name : `${rel}/${name}`, depth + 1);
      } else if (s.isFile()) {
        const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
        lines.push(`${shown} ${s.size} ${sha}`);
      } else lines.push(`${shown} other`);
    }
  };
  walk(dir, '', 0);
  return lines;
}

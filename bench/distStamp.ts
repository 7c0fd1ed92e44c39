import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fingerprint of the built code under `dir` (file count and newest mtime). Every hub and agent
 * the bench starts loads dist/ afresh, so a rebuild during the run (another `npm run build` or
 * `npm test` on the same checkout) would mix two versions in one RESULTS.md; comparing the
 * stamp at the start and the end catches that. The walk is bounded by the tree itself.
 */
export function distStamp(dir: string): string {
  let files = 0;
  let newest = 0;
  const walk = (path: string, depth: number) => {
    if (depth > 16) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.isFile()) {
        files++;
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  walk(dir, 0);
  return `${files} files, newest ${new Date(newest).toISOString()}`;
}

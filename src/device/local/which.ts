import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Finds an executable on PATH without spawning a shell. */
export async function which(name: string, path = process.env.PATH ?? ''): Promise<string | null> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

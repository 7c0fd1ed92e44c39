import { lstat, rename, unlink } from 'node:fs/promises';

/** The highest rotated file number (`path.100`): `keep` goes no higher, verify looks no further. */
export const MAX_ROTATED = 100;

/** The file operations a rotation uses (a test can make one of them fail). */
export interface RotateFs {
  lstat(file: string): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

const nodeFs: RotateFs = { lstat, rename, unlink };

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

async function exists(fs: RotateFs, file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Rotates an audit file: path.1 … move up by one, only as far as the first free number, then
 * path becomes path.1, and files numbered past `keep` (left by a larger `keep` before a reload,
 * they no longer chain on) are deleted. Moving only up to the first free number means a retry
 * after a failed rotation moves nothing twice and drops no second old file.
 *
 * Throws when path itself could not be moved (a directory the writer may not write in, an
 * append-only or bind-mounted file); the files already moved are moved back first, since a free
 * path.1 below a present path.2 reads as a removed file to `audit verify --rotated`. A path
 * already gone (removed under us) is not a failure: the next line starts a new file regardless.
 * Resolves with the old files it could not delete, `file: reason`, for the caller to report.
 */
export async function rotateAuditFile(path: string, keep: number, fs: RotateFs = nodeFs): Promise<string[]> {
  let free = keep;
  for (let i = 1; i < keep; i++) {
    if (!(await exists(fs, `${path}.${i}`))) {
      free = i;
      break;
    }
  }
  const moved: number[] = [];
  try {
    for (let i = free - 1; i >= 1; i--) {
      await fs.rename(`${path}.${i}`, `${path}.${i + 1}`);
      moved.push(i);
    }
    await fs.rename(path, `${path}.1`);
  } catch (error) {
    for (const i of moved.reverse()) await fs.rename(`${path}.${i + 1}`, `${path}.${i}`).catch(() => {});
    if (errorCode(error) === 'ENOENT' && !(await exists(fs, path))) return [];
    throw error;
  }
  const unremoved: string[] = [];
  for (let i = keep + 1; i <= MAX_ROTATED; i++) {
    await fs.unlink(`${path}.${i}`).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') {
        unremoved.push(`${path}.${i}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
  return unremoved;
}

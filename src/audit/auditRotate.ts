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

/** Where the live file waits while the rotated ones move up: it has already left `path`. */
export const stagingPath = (path: string) => `${path}.rotating`;

/**
 * Rotates an audit file. First `path` itself moves to `path.rotating`: if it cannot move (a
 * directory the writer may not write in, an append-only or bind-mounted file) this throws and
 * nothing has been touched, so no old file is lost to a rotation that did not happen. Then
 * path.1 … move up by one, only as far as the first free number (a retry moves nothing twice and
 * drops no second old file), the staged file becomes path.1, and files numbered past `keep`
 * (left by a larger `keep` before a reload; they no longer chain on) are deleted.
 *
 * A staged file left by a crash is picked up where it stopped (see finishRotation). A path
 * already gone (removed under us) is not a failure: the next line starts a new file regardless.
 * Resolves with the old files it could not delete, `file: reason`, for the caller to report.
 */
export async function rotateAuditFile(path: string, keep: number, fs: RotateFs = nodeFs): Promise<string[]> {
  const staging = stagingPath(path);
  if (!(await exists(fs, staging))) {
    try {
      await fs.rename(path, staging);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && !(await exists(fs, path))) return [];
      throw error;
    }
  }
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
    await fs.rename(staging, `${path}.1`);
  } catch (error) {
    // Put everything back where it was, the live file included, so the writer goes on appending
    // to it and verify sees no hole; the rotation is tried again later.
    for (const i of moved.reverse()) await fs.rename(`${path}.${i + 1}`, `${path}.${i}`).catch(() => {});
    await fs.rename(staging, path).catch(() => {});
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

/**
 * Completes a rotation a crash interrupted (a staged `path.rotating` left behind), before the
 * writer reads the chain's head: otherwise the head would come from an older file and the next
 * line would not chain to the last one written. Nothing to do, and nothing touched, otherwise.
 */
export async function finishRotation(path: string, keep: number, fs: RotateFs = nodeFs): Promise<string[]> {
  if (!(await exists(fs, stagingPath(path)))) return [];
  // A live file begun after the crash would be overwritten by nothing here, but it would sit
  // between the staged file and path.1 in the chain: leave both for the operator to see.
  if (await exists(fs, path)) return [];
  return rotateAuditFile(path, keep, fs);
}

import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetError, fromSystemError } from '../../errors/index.js';
import {
  appendTooLarge,
  hashMismatch,
  needsOldContent,
  tempNameFor,
  writeMode,
  writeResult,
} from '../fileRules.js';
import type { WriteFileResult, WriteFileSpec } from '../types.js';
import {
  changedWhileOpening,
  copyHandle,
  descriptorPath,
  type HeldDirectory,
  hashHandle,
  holdDirectory,
  readHandleBounded,
} from './fileHandles.js';

/** The existing target of a write: its metadata and, when it could be opened, a handle on it. */
interface ExistingTarget {
  stats: Stats;
  handle: FileHandle | undefined;
}

/**
 * Opens the current target of a write (`at`, reached through the held directory) without
 * following a symlink and without blocking on a FIFO, and checks that the descriptor is the file
 * at `path` and a regular file. Undefined when there is no file to keep: nothing there (ENOENT),
 * or a symlink (ELOOP), which rename(2) replaces rather than follows. Every later read of the old
 * content goes through the handle.
 */
async function openExistingTarget(
  path: string,
  at: string,
  needContent: boolean,
): Promise<ExistingTarget | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    if ((code === 'EACCES' || code === 'EPERM') && !needContent) {
      // A file we may replace but not read (write-only to us): only its mode and owner are kept.
      return metadataOnly(path, at, error);
    }
    throw fromSystemError(error, path);
  }
  try {
    const real = await descriptorPath(handle);
    if (real !== null && real !== path) throw changedWhileOpening('file', path, real);
    const stats = await handle.stat();
    if (!stats.isFile()) throw new FleetError('NOT_A_FILE', `not a regular file: ${path}`, { path });
    return { stats, handle };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

async function metadataOnly(
  path: string,
  at: string,
  openError: unknown,
): Promise<ExistingTarget | undefined> {
  let stats: Stats;
  try {
    stats = await lstat(at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(openError, path);
  }
  if (stats.isSymbolicLink()) return undefined;
  if (!stats.isFile()) throw new FleetError('NOT_A_FILE', `not a regular file: ${path}`, { path });
  return { stats, handle: undefined };
}

/**
 * Atomic replace: a temp file in the same directory, fsync, rename over the target, fsync the
 * directory. A reader (or a crash at any instant) sees the old file or the new one, never a
 * torn mix. rename(2) replaces a symlink planted at the target instead of following it.
 *
 * Hazard: `spec.path` was realpath'd and checked against the roots before this runs, and its
 * directory (or any parent) may be swapped for a symlink pointing outside the roots in between.
 * So the directory is opened once and verified (`holdDirectory`), and the target, the temp file
 * and the rename are all reached through that descriptor: a later swap cannot redirect them.
 * Left open: a directory renamed elsewhere while held is followed by its descriptor; that is
 * re-checked just before the rename, which narrows the window to the rename itself.
 */
export async function writeFileAtomic(spec: WriteFileSpec): Promise<WriteFileResult> {
  const dir = dirname(spec.path);
  const name = basename(spec.path);
  const needContent = needsOldContent(spec);
  const held = await holdDirectory(dir);
  let existing: ExistingTarget | undefined;
  try {
    existing = await openExistingTarget(spec.path, join(held.base, name), needContent);
    // Only when needContent is false can an existing target come without a handle.
    const source = existing?.handle;

    if (spec.ifSha256 !== undefined) {
      const current = source ? await hashHandle(source) : null;
      if (current !== spec.ifSha256.toLowerCase()) {
        throw hashMismatch(spec.path, current, spec.ifSha256);
      }
    }

    let data = spec.data;
    if (spec.append && existing && source) {
      const limit = spec.maxBytes - spec.data.length;
      const { size } = existing.stats;
      const tooLarge = () => appendTooLarge(spec.path, spec.data.length, size, spec.maxBytes);
      if (limit < 0 || size > limit) throw tooLarge();
      const old = await readHandleBounded(source, limit);
      if (old === null) throw tooLarge(); // grew past the limit since the fstat
      data = Buffer.concat([old, spec.data]);
    }

    let backupPath: string | null = null;
    if (spec.backup && existing && source) {
      backupPath = `${spec.path}.bak`;
      await replaceWith(
        held,
        dir,
        `${name}.bak`,
        (temp) => copyHandle(source, temp),
        existing.stats.mode & 0o7777,
        existing.stats,
      );
    }

    const mode = writeMode(spec, existing?.stats.mode);
    await replaceWith(held, dir, name, (temp) => temp.writeFile(data), mode, existing?.stats);
    await held.handle.sync().catch(() => {});
    return writeResult(spec, data, !existing, backupPath);
  } finally {
    await existing?.handle?.close().catch(() => {});
    await held.handle.close().catch(() => {});
  }
}

/** Writes `name` in the held directory (shown as `dir` in errors) through a temp file and a rename. */
async function replaceWith(
  held: HeldDirectory,
  dir: string,
  name: string,
  fill: (temp: FileHandle) => Promise<void>,
  mode: number,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const temp = join(held.base, tempNameFor(name));
  const shown = join(dir, name);
  let handle: FileHandle | undefined;
  try {
    handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    await fill(handle);
    // chown before chmod: Linux clears S_ISUID/S_ISGID on chown, so the other order would drop
    // the setuid/setgid bits of a file being rewritten.
    if (owner) {
      try {
        await handle.chown(owner.uid, owner.gid);
      } catch {
        // Keeping the owner needs privileges we may not have; the mode is kept regardless.
      }
    }
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // The directory itself may have been moved (the descriptor follows it): only a directory
    // still where it was checked receives the file.
    if (!(await held.stillAt())) {
      throw new FleetError('PATH_OUTSIDE_ROOTS', `directory moved while writing: ${dir}`, {
        path: shown,
      });
    }
    await rename(temp, join(held.base, name));
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error instanceof FleetError ? error : fromSystemError(error, shown);
  }
}

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readlink } from 'node:fs/promises';
import { FleetError, fromSystemError } from '../../errors/index.js';

/**
 * I/O through open descriptors, for the local file primitives. Everything read, hashed or
 * written after a path was checked against the roots goes through a descriptor opened without
 * following a final symlink and then verified: the path itself may have been swapped since.
 */

/** Chunk size for reads through an open handle (hashing, copying, reading for an append). */
export const IO_CHUNK = 256 * 1024;

/**
 * The file an open descriptor really points at, from /proc/self/fd (Linux). Null where there is
 * no /proc: the callers then trust the path, as they must on such systems.
 */
export async function descriptorPath(handle: FileHandle): Promise<string | null> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null;
  }
}

/** The refusal when what a checked path names changed between the roots check and the open. */
export function changedWhileOpening(what: 'file' | 'directory', path: string, now?: string): FleetError {
  const where = now === undefined ? 'is now a symlink' : `now points at ${now}`;
  return new FleetError('PATH_OUTSIDE_ROOTS', `${what} changed while opening: ${path} ${where}`, { path });
}

/** A directory held open, and the path prefix that reaches entries through that descriptor. */
export interface HeldDirectory {
  handle: FileHandle;
  /**
   * `/proc/self/fd/N`: a path through it resolves from the directory that was opened and
   * checked, whatever the path to it names by now (the openat(2) of an API without openat).
   * The directory's own path where there is no /proc.
   */
  base: string;
  /** Whether `dir` still names the directory held (a rename moves it; the descriptor follows). */
  stillAt(): Promise<boolean>;
}

/**
 * Linux's O_PATH (asm-generic value; Node does not export it). A directory we may write into but
 * not read (mode -wx) cannot be opened O_RDONLY; an O_PATH descriptor still anchors paths.
 */
const O_PATH = 0o10000000;

async function openDirectory(dir: string): Promise<FileHandle> {
  const flags = constants.O_DIRECTORY | constants.O_NOFOLLOW;
  try {
    return await open(dir, constants.O_RDONLY | flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (process.platform !== 'linux' || (code !== 'EACCES' && code !== 'EPERM')) throw error;
    return await open(dir, O_PATH | flags);
  }
}

/**
 * Opens the canonical directory `dir` and checks the descriptor is that directory, not one a
 * symlink swapped in at any component since `dir` was realpath'd and checked against the roots.
 * Entries are then reached through `base`, so a later swap of `dir` or of any parent cannot
 * redirect them: parents are resolved once, here, and verified.
 */
export async function holdDirectory(dir: string): Promise<HeldDirectory> {
  let handle: FileHandle;
  try {
    handle = await openDirectory(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR (or ELOOP): `dir` was a real
    // directory when realpath'd, so a symlink there now was swapped in.
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      const now = await lstat(dir).catch(() => undefined);
      if (now?.isSymbolicLink()) throw changedWhileOpening('directory', dir);
    }
    throw fromSystemError(error, dir);
  }
  const real = await descriptorPath(handle);
  if (real !== null && real !== dir) {
    await handle.close().catch(() => {});
    throw changedWhileOpening('directory', dir, real);
  }
  return {
    handle,
    base: real === null ? dir : `/proc/self/fd/${handle.fd}`,
    async stillAt() {
      const now = await descriptorPath(handle);
      return now === null || now === dir;
    },
  };
}

/**
 * sha256 of everything an open handle holds, read from position 0 to end of file. Hashing
 * through the handle (never reopening the path) ties the hash to the file that was checked.
 * Returns null when more than `limit` bytes turn up (a file growing while it is hashed).
 */
export async function hashHandle(
  handle: FileHandle,
  limit = Number.POSITIVE_INFINITY,
): Promise<string | null> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(IO_CHUNK);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return hash.digest('hex');
    position += bytesRead;
    if (position > limit) return null;
    hash.update(buf.subarray(0, bytesRead));
  }
}

/** Everything an open handle holds, or null when it is more than `limit` bytes. */
export async function readHandleBounded(handle: FileHandle, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const buf = Buffer.alloc(Math.min(IO_CHUNK, limit - position + 1));
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return Buffer.concat(chunks, position);
    position += bytesRead;
    if (position > limit) return null;
    chunks.push(buf.subarray(0, bytesRead));
  }
}

/** Copies everything `source` holds into `target` in chunks: memory stays bounded whatever the size. */
export async function copyHandle(source: FileHandle, target: FileHandle): Promise<void> {
  const buf = Buffer.allocUnsafe(IO_CHUNK);
  let position = 0;
  for (;;) {
    const { bytesRead } = await source.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return;
    let written = 0;
    while (written < bytesRead) {
      const r = await target.write(buf, written, bytesRead - written, position + written);
      written += r.bytesWritten;
    }
    position += bytesRead;
  }
}

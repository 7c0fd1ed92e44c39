import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError, fromSystemError } from '../../errors/index.js';
import {
  checkPathArgument,
  fileKind,
  HASH_LIMIT_BYTES,
  MAX_DIR_ENTRIES,
  modeString,
  rangeToRead,
  readTailLines,
} from '../fileRules.js';
import type { DirEntry, FileStat, ReadFileResult, ReadFileSpec } from '../types.js';
import { changedWhileOpening, descriptorPath, hashHandle, holdDirectory } from './fileHandles.js';

export { writeFileAtomic } from './writeFile.js';

/**
 * Canonical path; a missing last component is allowed (write targets), a missing parent is not.
 * When the path cannot be resolved, the error carries `resolved`: the canonical location where
 * resolution failed (the resolved prefix plus the component that failed). The caller checks it
 * against the roots before reporting the error, so a NOT_FOUND (or ENOTDIR, EACCES, ELOOP)
 * never tells a caller whether something outside the roots exists.
 */
export async function canonicalPath(path: string): Promise<string> {
  checkPathArgument(path);
  try {
    return await realpath(path);
  } catch {
    // Walk it component by component to find where it fails.
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let real = '/';
  for (const [index, part] of parts.entries()) {
    try {
      // `real` is resolved, so `real/..` is its real parent (or ENOTDIR when it is not a directory).
      real = await realpath(`${real === '/' ? '' : real}/${part}`);
    } catch (error) {
      const resolved = part === '..' ? real : join(real, part);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && part !== '..' && index === parts.length - 1) return resolved;
      const failure = fromSystemError(error, path);
      throw new FleetError(failure.code, failure.message, { ...failure.data, resolved }, { cause: error });
    }
  }
  return real; // created between the two walks
}

export async function statPath(path: string): Promise<FileStat> {
  try {
    const s = await lstat(path);
    return { type: fileKind(s), size: s.size, mode: modeString(s.mode), mtime: s.mtime.toISOString() };
  } catch (error) {
    throw fromSystemError(error, path);
  }
}

export async function readFileRange(spec: ReadFileSpec): Promise<ReadFileResult> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO (or a tty) would otherwise wait for a writer, pinning a libuv
    // worker for good; four of those freeze every file operation. It is refused below instead.
    handle = await open(spec.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw fromSystemError(error, spec.path);
  }
  try {
    const real = await descriptorPath(handle);
    if (real !== null && real !== spec.path) throw changedWhileOpening('file', spec.path, real);
    const s = await handle.stat();
    if (!s.isFile())
      throw new FleetError('NOT_A_FILE', `not a regular file: ${spec.path}`, { path: spec.path });
    let data: Buffer;
    let truncated = false;
    if (spec.tailLines !== undefined) {
      ({ data, truncated } = await readTailLines(
        async (position, length) => {
          const buf = Buffer.alloc(length);
          await handle.read(buf, 0, length, position);
          return buf;
        },
        s.size,
        spec.tailLines,
        spec.maxBytes,
      ));
    } else {
      const range = rangeToRead(spec, s.size);
      truncated = range.truncated;
      data = Buffer.alloc(range.length);
      const { bytesRead } = await handle.read(data, 0, range.length, range.offset);
      data = data.subarray(0, bytesRead);
    }
    // Through the same handle: the hash belongs to the file that was checked, not to whatever
    // the path names by now.
    const sha256 = s.size <= HASH_LIMIT_BYTES ? ((await hashHandle(handle, HASH_LIMIT_BYTES)) ?? '') : '';
    return { data, size: s.size, mtime: s.mtime.toISOString(), sha256, truncated };
  } finally {
    await handle.close();
  }
}

/**
 * Lists a canonical directory. The directory is opened and verified first and read through its
 * descriptor (`holdDirectory`), so a symlink swapped in after the roots check cannot make this
 * list (or lstat the entries of) a directory outside the roots.
 */
export async function listDirectory(
  path: string,
  hidden: boolean,
): Promise<{ entries: DirEntry[]; truncated: boolean }> {
  const held = await holdDirectory(path);
  try {
    let names: string[];
    try {
      names = (await readdir(held.base)).sort();
    } catch (error) {
      throw fromSystemError(error, path);
    }
    if (!hidden) names = names.filter((n) => !n.startsWith('.'));
    const truncated = names.length > MAX_DIR_ENTRIES;
    const entries: DirEntry[] = [];
    for (const n of names.slice(0, MAX_DIR_ENTRIES)) {
      try {
        const s = await lstat(join(held.base, n));
        entries.push({
          name: n,
          type: fileKind(s),
          size: s.size,
          mode: modeString(s.mode),
          mtime: s.mtime.toISOString(),
        });
      } catch {
        // Vanished between readdir and lstat.
      }
    }
    return { entries, truncated };
  } finally {
    await held.handle.close().catch(() => {});
  }
}

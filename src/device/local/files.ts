import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetError, fromSystemError } from '../../errors/index.js';
import {
  appendTooLarge,
  fileKind,
  HASH_LIMIT_BYTES,
  hashMismatch,
  MAX_DIR_ENTRIES,
  modeString,
  readTailLines,
} from '../fileRules.js';
import type {
  DirEntry,
  FileStat,
  ReadFileResult,
  ReadFileSpec,
  WriteFileResult,
  WriteFileSpec,
} from '../types.js';

/**
 * Canonical path; a missing last component is allowed (write targets), a missing parent is not.
 * When the path cannot be resolved, the error carries `resolved`: the canonical location where
 * resolution failed (the resolved prefix plus the component that failed). The caller checks it
 * against the roots before reporting the error, so a NOT_FOUND (or ENOTDIR, EACCES, ELOOP)
 * never tells a caller whether something outside the roots exists.
 */
export async function canonicalPath(path: string): Promise<string> {
  if (!path.startsWith('/'))
    throw new FleetError('INVALID_ARGUMENT', `path must be absolute: ${path}`, { path });
  if (path.includes('\0')) throw new FleetError('INVALID_ARGUMENT', 'path contains a NUL byte', { path });
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

/** Chunk size for reads through an open handle (hashing, copying, reading for an append). */
const IO_CHUNK = 256 * 1024;

/**
 * sha256 of everything an open handle holds, read from position 0 to end of file. Hashing
 * through the handle (never reopening the path) ties the hash to the file that was checked.
 * Returns null when more than `limit` bytes turn up (a file growing while it is hashed).
 */
async function hashHandle(handle: FileHandle, limit = Number.POSITIVE_INFINITY): Promise<string | null> {
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
async function readHandleBounded(handle: FileHandle, limit: number): Promise<Buffer | null> {
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
async function copyHandle(source: FileHandle, target: FileHandle): Promise<void> {
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

/**
 * The file an open descriptor really points at. Re-checked after open so that a symlink
 * swapped in between the roots check and the open is noticed (Linux only; elsewhere trusted).
 */
async function descriptorPath(handle: FileHandle): Promise<string | null> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null;
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
    if (real !== null && real !== spec.path) {
      throw new FleetError(
        'PATH_OUTSIDE_ROOTS',
        `file changed while opening: ${spec.path} now points at ${real}`,
        {
          path: spec.path,
        },
      );
    }
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
      const offset = Math.min(spec.offset ?? 0, s.size);
      const wanted = Math.min(spec.length ?? s.size - offset, s.size - offset);
      const length = Math.min(wanted, spec.maxBytes);
      truncated = length < s.size - offset && (spec.length === undefined || length < spec.length);
      data = Buffer.alloc(length);
      const { bytesRead } = await handle.read(data, 0, length, offset);
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

/** The existing target of a write: its metadata and, when it could be opened, a handle on it. */
interface ExistingTarget {
  stats: Stats;
  handle: FileHandle | undefined;
}

/**
 * Opens the current target of a write without following a symlink and without blocking on a
 * FIFO, and checks that the descriptor is the file at `path` and a regular file. Undefined when
 * there is no file to keep: nothing there (ENOENT), or a symlink (ELOOP), which rename(2)
 * replaces rather than follows. Every later read of the old content goes through the handle.
 */
async function openExistingTarget(path: string, needContent: boolean): Promise<ExistingTarget | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    if ((code === 'EACCES' || code === 'EPERM') && !needContent) {
      // A file we may replace but not read (write-only to us): only its mode and owner are kept.
      return metadataOnly(path, error);
    }
    throw fromSystemError(error, path);
  }
  try {
    const real = await descriptorPath(handle);
    if (real !== null && real !== path) {
      throw new FleetError(
        'PATH_OUTSIDE_ROOTS',
        `file changed while opening: ${path} now points at ${real}`,
        {
          path,
        },
      );
    }
    const stats = await handle.stat();
    if (!stats.isFile()) throw new FleetError('NOT_A_FILE', `not a regular file: ${path}`, { path });
    return { stats, handle };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

async function metadataOnly(path: string, openError: unknown): Promise<ExistingTarget | undefined> {
  let stats: Stats;
  try {
    stats = await lstat(path);
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
 */
export async function writeFileAtomic(spec: WriteFileSpec): Promise<WriteFileResult> {
  const dir = dirname(spec.path);
  const name = basename(spec.path);
  const needContent = spec.ifSha256 !== undefined || spec.append === true || spec.backup === true;
  const existing = await openExistingTarget(spec.path, needContent);
  try {
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
      const tooLarge = () => appendTooLarge(spec.path, spec.data.length, existing.stats.size, spec.maxBytes);
      if (limit < 0 || existing.stats.size > limit) throw tooLarge();
      const old = await readHandleBounded(source, limit);
      if (old === null) throw tooLarge(); // grew past the limit since the fstat
      data = Buffer.concat([old, spec.data]);
    }

    let backupPath: string | null = null;
    if (spec.backup && existing && source) {
      backupPath = `${spec.path}.bak`;
      await replaceWith(
        dir,
        `${name}.bak`,
        (temp) => copyHandle(source, temp),
        existing.stats.mode & 0o7777,
        existing.stats,
      );
    }

    const mode = spec.mode ?? (existing ? existing.stats.mode & 0o7777 : 0o644);
    await replaceWith(dir, name, (temp) => temp.writeFile(data), mode, existing?.stats);
    return {
      bytes_written: spec.data.length,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      created: !existing,
      backup_path: backupPath,
    };
  } finally {
    await existing?.handle?.close().catch(() => {});
  }
}

async function replaceWith(
  dir: string,
  name: string,
  fill: (temp: FileHandle) => Promise<void>,
  mode: number,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const temp = join(dir, `.${name}.mcp-fleet-${randomBytes(6).toString('hex')}.tmp`);
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
    await rename(temp, join(dir, name));
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw fromSystemError(error, join(dir, name));
  }
  const dirHandle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}

export async function listDirectory(
  path: string,
  hidden: boolean,
): Promise<{ entries: DirEntry[]; truncated: boolean }> {
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (error) {
    throw fromSystemError(error, path);
  }
  if (!hidden) names = names.filter((n) => !n.startsWith('.'));
  const truncated = names.length > MAX_DIR_ENTRIES;
  const entries: DirEntry[] = [];
  for (const n of names.slice(0, MAX_DIR_ENTRIES)) {
    try {
      const s = await lstat(join(path, n));
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
}

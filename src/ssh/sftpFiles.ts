import { createHash } from 'node:crypto';
import { basename, dirname, join, posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type {
  DirEntry,
  FileStat,
  ReadFileResult,
  ReadFileSpec,
  WriteFileResult,
  WriteFileSpec,
} from '../device/index.js';
import {
  appendTooLarge,
  checkPathArgument,
  fileKind,
  HASH_LIMIT_BYTES,
  hashMismatch,
  MAX_DIR_ENTRIES,
  modeString,
  needsOldContent,
  rangeToRead,
  readTailLines,
  tempNameFor,
  writeMode,
  writeResult,
} from '../device/index.js';
import { FleetError } from '../errors/index.js';

const IO_CHUNK = 64 * 1024;

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that map onto the agent's errors. */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

export interface SftpFilesDeps {
  sftp: () => Promise<SFTPWrapper>;
  /** sha256 of a remote file of `size` bytes, computed on the device (one round trip). */
  hashRemote: (path: string, size: number) => Promise<string>;
  /** Copies a file on the device, keeping its mode (a backup too large to stream). */
  copyRemote: (from: string, to: string) => Promise<void>;
}

export interface SftpFiles {
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<FileStat>;
  readFile(spec: ReadFileSpec): Promise<ReadFileResult>;
  writeFile(spec: WriteFileSpec): Promise<WriteFileResult>;
  listDir(path: string, hidden: boolean): Promise<{ entries: DirEntry[]; truncated: boolean }>;
}

function fromSftpError(error: unknown, path: string): FleetError {
  if (error instanceof FleetError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  if (code === NO_SUCH_FILE)
    return new FleetError('NOT_FOUND', `no such file or directory: ${path}`, { path });
  if (code === PERMISSION_DENIED) {
    return new FleetError('IO_ERROR', `permission denied: ${path}`, { path, errno: 'EACCES' });
  }
  return new FleetError('IO_ERROR', `${path}: ${message}`, { path, errno: null });
}

/** Calls an ssh2 SFTP method with a node-style callback as a promise. */
function call<T>(
  path: string,
  run: (cb: (err: Error | undefined | null, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, value) => (err ? reject(fromSftpError(err, path)) : resolve(value as T)));
  });
}

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Cleanup on a session that may be dead: ssh2 never answers a request sent after it closed. */
const CLEANUP_MS = 5000;

function bounded(run: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLEANUP_MS);
    timer.unref();
    run(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The agent's file semantics over SFTP: canonical paths resolved on the device, reads of a
 * range or a tail, atomic writes (temp file in the same directory, fsync, rename over the
 * target). Every operation uses one SFTP session from start to end: a handle is a slot number
 * that means something else on a session opened after a reconnect.
 * Hazard: SFTP cannot open without following symlinks nor read the path behind a descriptor,
 * so the "swapped after the roots check" window the agent closes with O_NOFOLLOW and
 * /proc/self/fd is only narrowed here: the target is lstat'ed right before and after it is
 * opened, and a symlink or non-regular file at that moment is refused.
 */
export function createSftpFiles(deps: SftpFilesDeps): SftpFiles {
  const lstatOn = (sftp: SFTPWrapper, path: string) => call<Stats>(path, (cb) => sftp.lstat(path, cb));

  async function lstatOrNull(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
    try {
      return await lstatOn(sftp, path);
    } catch (error) {
      if (error instanceof FleetError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async function realpath(path: string): Promise<string> {
    checkPathArgument(path);
    const sftp = await deps.sftp();
    try {
      return await call<string>(path, (cb) => sftp.realpath(path, cb));
    } catch {
      // Walk it component by component to find where it fails, as the agent does.
    }
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let real = '/';
    for (const [index, part] of parts.entries()) {
      const next = `${real === '/' ? '' : real}/${part}`;
      try {
        // A realpath of a missing name may succeed on some servers: confirm it exists.
        const resolved = await call<string>(next, (cb) => sftp.realpath(next, cb));
        await lstatOn(sftp, resolved);
        real = resolved;
      } catch (error) {
        const resolved = part === '..' ? real : posix.join(real, part);
        const failure = fromSftpError(error, path);
        if (failure.code === 'NOT_FOUND' && part !== '..' && index === parts.length - 1) return resolved;
        throw new FleetError(failure.code, failure.message, { ...failure.data, resolved }, { cause: error });
      }
    }
    return real;
  }

  async function stat(path: string): Promise<FileStat> {
    const s = await lstatOn(await deps.sftp(), path);
    return { type: fileKind(s), size: s.size, mode: modeString(s.mode), mtime: isoTime(s.mtime) };
  }

  /** Closes on the session that opened the handle. */
  const closeHandle = (sftp: SFTPWrapper, handle: Buffer) =>
    bounded((done) => sftp.close(handle, () => done()));
  const unlinkQuietly = (sftp: SFTPWrapper, path: string) =>
    bounded((done) => sftp.unlink(path, () => done()));

  /** Opens a regular file for reading, refusing what is not one (a FIFO would hang the SFTP server). */
  async function openRegular(sftp: SFTPWrapper, path: string): Promise<{ handle: Buffer; stats: Stats }> {
    const before = await lstatOn(sftp, path);
    if (!before.isFile()) throw new FleetError('NOT_A_FILE', `not a regular file: ${path}`, { path });
    const handle = await call<Buffer>(path, (cb) => sftp.open(path, 'r', cb));
    try {
      const after = await lstatOn(sftp, path);
      if (!after.isFile()) {
        throw new FleetError('PATH_OUTSIDE_ROOTS', `file changed while opening: ${path}`, { path });
      }
      const stats = await call<Stats>(path, (cb) => sftp.fstat(handle, cb));
      return { handle, stats };
    } catch (error) {
      await closeHandle(sftp, handle);
      throw error;
    }
  }

  async function readAt(sftp: SFTPWrapper, handle: Buffer, path: string, position: number, length: number) {
    const out: Buffer[] = [];
    let got = 0;
    while (got < length) {
      const want = Math.min(IO_CHUNK, length - got);
      const buf = Buffer.alloc(want);
      // ssh2 answers an EOF status with 0 bytes read, not an error.
      const n = await call<number>(path, (cb) =>
        sftp.read(handle, buf, 0, want, position + got, (err, bytesRead) => cb(err, bytesRead)),
      );
      if (!n) break;
      out.push(buf.subarray(0, n));
      got += n;
    }
    return Buffer.concat(out, got);
  }

  async function readFile(spec: ReadFileSpec): Promise<ReadFileResult> {
    const sftp = await deps.sftp();
    const { handle, stats } = await openRegular(sftp, spec.path);
    try {
      let data: Buffer;
      let truncated = false;
      if (spec.tailLines !== undefined) {
        ({ data, truncated } = await readTailLines(
          (position, length) => readAt(sftp, handle, spec.path, position, length),
          stats.size,
          spec.tailLines,
          spec.maxBytes,
        ));
      } else {
        const range = rangeToRead(spec, stats.size);
        truncated = range.truncated;
        data = await readAt(sftp, handle, spec.path, range.offset, range.length);
      }
      let sha256 = '';
      if (data.length === stats.size && spec.tailLines === undefined && (spec.offset ?? 0) === 0) {
        sha256 = createHash('sha256').update(data).digest('hex');
      } else if (stats.size <= HASH_LIMIT_BYTES) {
        // As on the agent, a hash that cannot be had leaves the field empty rather than failing the read.
        sha256 = await deps.hashRemote(spec.path, stats.size).catch(() => '');
      }
      return { data, size: stats.size, mtime: isoTime(stats.mtime), sha256, truncated };
    } finally {
      await closeHandle(sftp, handle);
    }
  }

  /** The whole current content of a regular file, or null when it passes `limit` bytes. */
  async function readWhole(sftp: SFTPWrapper, path: string, limit: number) {
    const { handle, stats } = await openRegular(sftp, path);
    try {
      if (stats.size > limit) return { data: null, stats };
      return { data: await readAt(sftp, handle, path, 0, stats.size), stats };
    } finally {
      await closeHandle(sftp, handle);
    }
  }

  const tempBeside = (path: string) => join(dirname(path), tempNameFor(basename(path)));

  /** posix-rename@openssh.com replaces atomically; plain SFTP rename refuses to overwrite. */
  async function renameOver(sftp: SFTPWrapper, from: string, to: string, replacing: boolean): Promise<void> {
    await call<void>(to, (cb) => sftp.ext_openssh_rename(from, to, (err) => cb(err))).catch(async (error) => {
      if (replacing) throw error;
      await call<void>(to, (cb) => sftp.rename(from, to, (err) => cb(err)));
    });
  }

  async function replaceWith(
    sftp: SFTPWrapper,
    path: string,
    data: Buffer,
    mode: number,
    owner: Stats | null,
  ) {
    const temp = tempBeside(path);
    let handle: Buffer | undefined;
    try {
      handle = await call<Buffer>(temp, (cb) => sftp.open(temp, 'wx', { mode: 0o600 }, cb));
      const h = handle;
      for (let at = 0; at < data.length; at += IO_CHUNK) {
        const piece = data.subarray(at, at + IO_CHUNK);
        await call<void>(temp, (cb) => sftp.write(h, piece, 0, piece.length, at, (err) => cb(err)));
      }
      if (owner) {
        // chown before chmod: Linux clears setuid/setgid on chown. Keeping the owner needs
        // privileges we may not have; the mode is kept regardless.
        await call<void>(temp, (cb) => sftp.fchown(h, owner.uid, owner.gid, (err) => cb(err))).catch(
          () => {},
        );
      }
      await call<void>(temp, (cb) => sftp.fchmod(h, mode, (err) => cb(err)));
      await call<void>(temp, (cb) => sftp.ext_openssh_fsync(h, (err) => cb(err))).catch(() => {});
      await closeHandle(sftp, h);
      handle = undefined;
      await renameOver(sftp, temp, path, owner !== null);
    } catch (error) {
      if (handle) await closeHandle(sftp, handle);
      await unlinkQuietly(sftp, temp);
      throw fromSftpError(error, path);
    }
  }

  async function writeFile(spec: WriteFileSpec): Promise<WriteFileResult> {
    const sftp = await deps.sftp();
    const present = await lstatOrNull(sftp, spec.path);
    // A symlink at the target is replaced by the rename, never followed.
    const existing = present && !present.isSymbolicLink() ? present : null;
    if (existing && !existing.isFile()) {
      throw new FleetError('NOT_A_FILE', `not a regular file: ${spec.path}`, { path: spec.path });
    }
    let old: Buffer | null = null;
    if (existing && needsOldContent(spec)) {
      const limit = spec.append ? spec.maxBytes - spec.data.length : HASH_LIMIT_BYTES;
      const read = await readWhole(sftp, spec.path, Math.max(limit, 0));
      old = read.data;
      if (spec.append && (old === null || limit < 0)) {
        throw appendTooLarge(spec.path, spec.data.length, read.stats.size, spec.maxBytes);
      }
    }
    if (spec.ifSha256 !== undefined) {
      let current: string | null = null;
      if (existing) {
        current = old
          ? createHash('sha256').update(old).digest('hex')
          : await deps.hashRemote(spec.path, existing.size);
      }
      if (current !== spec.ifSha256.toLowerCase()) {
        throw hashMismatch(spec.path, current, spec.ifSha256);
      }
    }
    const data = spec.append && old ? Buffer.concat([old, spec.data]) : spec.data;
    let backupPath: string | null = null;
    if (spec.backup && existing) {
      backupPath = `${spec.path}.bak`;
      if (old !== null) await replaceWith(sftp, backupPath, old, existing.mode & 0o7777, existing);
      else {
        // Too large to bring through the hub: copied on the device, then renamed into place.
        const temp = tempBeside(backupPath);
        try {
          await deps.copyRemote(spec.path, temp);
          await renameOver(sftp, temp, backupPath, true);
        } catch (error) {
          await unlinkQuietly(sftp, temp);
          throw error;
        }
      }
    }
    await replaceWith(sftp, spec.path, data, writeMode(spec, existing?.mode), existing);
    return writeResult(spec, data, !existing, backupPath);
  }

  async function listDir(
    path: string,
    hidden: boolean,
  ): Promise<{ entries: DirEntry[]; truncated: boolean }> {
    const sftp = await deps.sftp();
    const dir = await lstatOn(sftp, path);
    if (!dir.isDirectory()) throw new FleetError('NOT_A_DIRECTORY', `not a directory: ${path}`, { path });
    const list = await call<Array<{ filename: string; attrs: Stats }>>(path, (cb) => sftp.readdir(path, cb));
    let items = list.filter((e) => e.filename !== '.' && e.filename !== '..');
    if (!hidden) items = items.filter((e) => !e.filename.startsWith('.'));
    items.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    const truncated = items.length > MAX_DIR_ENTRIES;
    // OpenSSH's readdir attributes are lstat's, so a symlink is reported as one.
    const entries = items.slice(0, MAX_DIR_ENTRIES).map((e) => ({
      name: e.filename,
      type: fileKind(e.attrs),
      size: e.attrs.size,
      mode: modeString(e.attrs.mode),
      mtime: isoTime(e.attrs.mtime),
    }));
    return { entries, truncated };
  }

  return { realpath, stat, readFile, writeFile, listDir };
}

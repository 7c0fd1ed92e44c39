import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  copyFile,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FleetError } from '../errors/index.js';

/**
 * Reading and writing a client's config file safely: symlinks are followed, dangling ones
 * too (a dotfiles manager's link stays a link, its target is written), the original is
 * copied to `<file>.mcp-fleet.bak` once before the first change, writes are atomic (temp file
 * in the same directory, created with the final mode, fsync, rename) and keep the file's
 * mode, owner and group, and a write is refused when the file changed since it was read (the
 * client itself may rewrite its file at any moment; the caller re-reads and tries again
 * instead of overwriting that change). Text is UTF-8; anything else is refused, not mangled.
 *
 * A file with more than one hard link is written in place instead (see `writeConfigFile`):
 * a rename would give this name a new inode and leave the other names with the old text.
 */

export const BACKUP_SUFFIX = '.mcp-fleet.bak';

export interface ConfigFileState {
  /** The path as named by the catalog. */
  file: string;
  /** Where the bytes live (the symlink's target, if it is one). */
  real: string;
  exists: boolean;
  text: string;
  /** Permission bits of an existing file. */
  mode?: number;
  /** Owner and group of an existing file (kept by a write). */
  uid?: number;
  gid?: number;
  /** Hard links of an existing file (more than one: written in place). */
  nlink?: number;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const cannot = (verb: string, path: string, error: unknown) =>
  new FleetError('CONFIG_INVALID', `cannot ${verb} ${path}: ${(error as Error).message}`, { file: path });

/** Symlink hops followed before giving up (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * Where the bytes of `file` live. An existing path is resolved fully; a path whose last
 * symlink points at nothing yet (a dotfiles link to a file not made yet) resolves to that
 * target, relative to the link's own directory, so the target is created and the link kept.
 */
async function realTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot('resolve', file, error);
  }
  let path = file;
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    try {
      if (!(await lstat(path)).isSymbolicLink()) return path;
      path = resolve(dirname(path), await readlink(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw cannot('resolve', file, error);
    }
  }
  throw cannot('resolve', file, new Error('too many levels of symbolic links'));
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    // ignoreBOM keeps a byte order mark in the text, so a write gives it back.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new FleetError(
      'CONFIG_INVALID',
      `cannot edit ${file}: it is not UTF-8 text (the file was not changed)`,
      { file },
    );
  }
}

export async function readConfigFile(file: string): Promise<ConfigFileState> {
  const real = await realTarget(file);
  let bytes: Buffer;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    [bytes, info] = await Promise.all([readFile(real), stat(real)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file, real, exists: false, text: '' };
    throw cannot('read', file, error);
  }
  return {
    file,
    real,
    exists: true,
    text: decodeUtf8(bytes, file),
    mode: info.mode & 0o7777,
    uid: info.uid,
    gid: info.gid,
    nlink: info.nlink,
  };
}

/** Thrown when the file changed between read and write; the caller reads again. */
export class ConcurrentEditError extends Error {
  constructor(readonly file: string) {
    super(`${file} changed while it was being edited`);
    this.name = 'ConcurrentEditError';
  }
}

async function unchangedSince(state: ConfigFileState): Promise<boolean> {
  const now = await readConfigFile(state.file);
  return now.exists === state.exists && now.text === state.text;
}

/** Copies the original to `<file>.mcp-fleet.bak` unless a backup exists; returns its path when made. */
export async function backupOnce(state: ConfigFileState): Promise<string | undefined> {
  if (!state.exists) return undefined;
  const backup = `${state.real}${BACKUP_SUFFIX}`;
  try {
    await copyFile(state.real, backup, constants.COPYFILE_EXCL);
    if (state.mode !== undefined) await chmod(backup, state.mode);
    return backup;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw cannot('back up', state.file, error);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // best effort: not every filesystem lets a directory be synced
  }
}

export interface WriteOptions {
  /** Force this mode (0600 for a file that now holds a secret); else keep the file's own. */
  mode?: number;
}

export interface WriteOutcome {
  /** Directories this write created for the file, deepest first (remove takes them away again). */
  createdDirs: string[];
}

/** `dir` and its parents up to `top`, deepest first: what `mkdir -p` made when it reports `top`. */
function dirsUpTo(top: string, dir: string): string[] {
  const dirs: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    dirs.push(d);
    if (d === top || dirname(d) === d) return dirs;
  }
}

/** Gives the temp file the original's owner and group (possible as root, or for a group one is in). */
async function keepOwner(handle: FileHandle, state: ConfigFileState): Promise<void> {
  if (state.uid === undefined || state.gid === undefined) return;
  const own = await handle.stat();
  if (own.uid === state.uid && own.gid === state.gid) return;
  try {
    await handle.chown(state.uid, state.gid);
  } catch (error) {
    // Not permitted for an ordinary user editing a file someone else owns: the new file is then theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/**
 * Rewrites a hard-linked file where it is, so every name of it sees the change. Not atomic: a
 * reader may see a half-written file for a moment, and a crash mid-write leaves one (the backup
 * made before the first change is the way back). The caller holds the per-file lock.
 */
async function writeInPlace(state: ConfigFileState, text: string, mode: number | undefined): Promise<void> {
  if (!(await unchangedSince(state))) throw new ConcurrentEditError(state.file);
  const bytes = Buffer.from(text, 'utf8');
  const handle = await open(state.real, 'r+');
  try {
    // Write first, then cut: the file is never empty in between.
    for (let at = 0; at < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, at);
      if (bytesWritten <= 0) throw new Error('short write');
      at += bytesWritten;
    }
    await handle.truncate(bytes.length);
    if (mode !== undefined && mode !== state.mode) await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the file with `text` atomically, after checking it still holds what `state` read.
 * A new file gets the umask's mode (0644 usually) unless `mode` says otherwise; an existing
 * one keeps its mode, owner and group. A file with more than one hard link is written in place.
 */
export async function writeConfigFile(
  state: ConfigFileState,
  text: string,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  const dir = dirname(state.real);
  const mode = options.mode ?? state.mode;
  const tmp = join(dir, `.${basename(state.real)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let createdDirs: string[] = [];
  try {
    const top = await mkdir(dir, { recursive: true });
    if (top) createdDirs = dirsUpTo(top, dir);
    if (state.exists && (state.nlink ?? 1) > 1) {
      await writeInPlace(state, text, mode);
      return { createdDirs };
    }
    // 'wx' refuses an existing file at the temp name: a planted symlink must not redirect the write.
    // Created with the final mode: a secret must not sit in a world-readable file even briefly.
    const handle = await open(tmp, 'wx', mode ?? 0o666);
    try {
      await handle.writeFile(text);
      await keepOwner(handle, state);
      // Again after open (the umask may have taken bits the original had) and after chown (which can clear some).
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Hazard: a writer that lands between this check and the rename is still lost; the check
    // narrows that window to a few microseconds instead of the whole edit.
    if (!(await unchangedSince(state))) throw new ConcurrentEditError(state.file);
    await rename(tmp, state.real);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    if (error instanceof ConcurrentEditError || error instanceof FleetError) throw error;
    throw cannot('write', state.file, error);
  }
  await syncDir(dir);
  return { createdDirs };
}

/**
 * Removes directories a write created (deepest first), each only while it is empty: the first
 * one that holds something else stops it, and so do its parents.
 */
export async function removeCreatedDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await rmdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
}

/** Deletes a file install created and remove emptied, after the same unchanged check. */
export async function deleteConfigFile(state: ConfigFileState): Promise<void> {
  if (!(await unchangedSince(state))) throw new ConcurrentEditError(state.file);
  try {
    await unlink(state.real);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot('delete', state.file, error);
  }
}

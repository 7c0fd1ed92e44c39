import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetError } from '../errors/index.js';

/**
 * Reading and writing a client's config file safely: symlinks are followed (a dotfiles
 * manager's link stays a link, its target is updated), the original is copied to
 * `<file>.mcp-fleet.bak` once before the first change, writes are atomic (temp file in the
 * same directory, fsync, rename) and keep the file's mode, and a write is refused when the
 * file changed since it was read (the client itself may rewrite its file at any moment; the
 * caller re-reads and tries again instead of overwriting that change).
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
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const cannot = (verb: string, path: string, error: unknown) =>
  new FleetError('CONFIG_INVALID', `cannot ${verb} ${path}: ${(error as Error).message}`, { file: path });

async function realTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw cannot('resolve', file, error);
  }
}

export async function readConfigFile(file: string): Promise<ConfigFileState> {
  const real = await realTarget(file);
  try {
    const [text, info] = await Promise.all([readFile(real, 'utf8'), stat(real)]);
    return { file, real, exists: true, text, mode: info.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file, real, exists: false, text: '' };
    throw cannot('read', file, error);
  }
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

/**
 * Replaces the file with `text` atomically, after checking it still holds what `state` read.
 * A new file gets the umask's mode (0644 usually) unless `mode` says otherwise.
 */
export async function writeConfigFile(
  state: ConfigFileState,
  text: string,
  options: WriteOptions = {},
): Promise<void> {
  const dir = dirname(state.real);
  const tmp = join(dir, `.${basename(state.real)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    // 'wx' refuses an existing file at the temp name: a planted symlink must not redirect the write.
    const handle = await open(tmp, 'wx', options.mode ?? 0o666);
    try {
      await handle.writeFile(text);
      const mode = options.mode ?? state.mode;
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

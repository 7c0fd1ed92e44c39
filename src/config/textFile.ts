import { randomBytes } from 'node:crypto';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetError } from '../errors/index.js';

/**
 * Config and state files as whole texts: read with their mode and owner, replaced atomically.
 * Failures are CONFIG_INVALID naming the file: an unreadable or unwritable file is the
 * operator's to fix (ownership, permissions, a full disk), so the CLI prints one line.
 */

/** Who a file belongs to, so its replacement keeps the same mode and owner. */
export interface FileOwnership {
  mode: number;
  uid?: number;
  gid?: number;
}

export interface TextFile {
  text: string;
  owner: FileOwnership;
}

const unreadable = (path: string, error: unknown) =>
  new FleetError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`, { file: path });

/** Reads a text file with its mode and owner; `undefined` when it does not exist. */
export async function readTextFile(path: string): Promise<TextFile | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(path, error);
  }
  try {
    // One handle for both, so the mode and the text are of the same file even if it is replaced meanwhile.
    const info = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, owner: { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid } };
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable across a power cut; best effort, as not every filesystem lets a
  // directory be opened and synced.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // the file itself was synced; only the rename's durability is at stake
  }
}

/**
 * Replaces `path` with `text`, exactly `owner.mode` (and owner, when root): a temp file in the
 * same directory (made 0700 when missing, so the rename is atomic), fsync, rename. A reader (the
 * hub's watcher reloads on the rename, or a crash) sees the old file or the new one, never half
 * of one. The temp name starts with a dot and differs from `path`'s name, so a watcher that
 * filters on the name does not reload twice. A symlink at `path` is replaced, not followed.
 */
export async function writeTextAtomic(path: string, text: string, owner: FileOwnership): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // 'wx' refuses an existing file at the temp name: a planted symlink must not redirect the write.
    const handle = await open(tmp, 'wx', owner.mode);
    try {
      await handle.writeFile(text);
      // The umask narrows the mode given to open(); the file must have the mode asked for exactly.
      await handle.chmod(owner.mode);
      // Only root can give a file away; root editing the hub's fleet.yaml must not leave it
      // owned by root and unreadable to the hub's user.
      if (owner.uid !== undefined && owner.gid !== undefined && process.getuid?.() === 0) {
        await handle.chown(owner.uid, owner.gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new FleetError('CONFIG_INVALID', `cannot write ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  await syncDir(dir);
}

/** Whether something exists at `path` (any kind; false also when a parent is unreadable). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

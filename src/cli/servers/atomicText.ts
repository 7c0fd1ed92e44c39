import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Who a replaced file belonged to, so its replacement keeps the same mode and owner. */
export interface FileOwnership {
  mode: number;
  uid?: number;
  gid?: number;
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
 * Replaces `path` with `text`: a temp file in the same directory (so the rename is atomic),
 * fsync, rename. A reader (the hub's watcher reloads on the rename) sees the old file or the new
 * one, never half of one. The temp name starts with a dot and differs from `path`'s name, so a
 * watcher that filters on the name does not reload twice.
 */
export async function writeTextAtomic(path: string, text: string, owner: FileOwnership): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx' refuses an existing file at the temp name: a planted symlink must not redirect the write.
    const handle = await open(tmp, 'wx', owner.mode);
    try {
      await handle.writeFile(text);
      // The umask narrows the mode given to open(); the file must keep the old mode exactly.
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
    throw error;
  }
  await syncDir(dir);
}

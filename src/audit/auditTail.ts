import { type FileHandle, open } from 'node:fs/promises';
import { GENESIS, sha256Hex } from './auditChain.js';

/** The last line of a file: its bytes (no newline), and whether a newline ends it. */
export interface LastLine {
  bytes: Buffer;
  terminated: boolean;
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  // Bounded: each round reads at least one byte or stops (a file that shrank under us).
  while (done < length) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * The last line of `path`, read backwards a chunk at a time (a log of megabytes costs one
 * line's worth of reading); `null` for a missing or empty file. An unterminated last line is a
 * write cut short (a crash, a full disk) and is returned as it is.
 */
export async function readLastLine(path: string, chunk = 64 * 1024): Promise<LastLine | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return null;
    const terminated = (await readAt(fh, 1, size - 1))[0] === 0x0a;
    const parts: Buffer[] = [];
    let end = terminated ? size - 1 : size;
    while (end > 0) {
      const length = Math.min(chunk, end);
      const part = await readAt(fh, length, end - length);
      const newline = part.lastIndexOf(0x0a);
      if (newline >= 0) {
        parts.unshift(part.subarray(newline + 1));
        break;
      }
      parts.unshift(part);
      end -= length;
    }
    return { bytes: Buffer.concat(parts), terminated };
  } finally {
    await fh.close();
  }
}

/** Where the next audit line chains from: the hash it carries as `prev`, and whether the file's tail needs a newline first. */
export interface ChainTail {
  head: string;
  needsNewline: boolean;
}

/**
 * The chain's head for the next line written to `path`: the sha256 of the last line of `path`,
 * else of `path.1` (a restart right after a rotation continues the rotated file), else
 * GENESIS. A torn last line is chained to as it is (its bytes are what a verifier hashes) and
 * is ended with a newline before anything else is written, so no record is glued onto it.
 */
export async function readChainTail(path: string): Promise<ChainTail> {
  const current = await readLastLine(path);
  if (current) return { head: sha256Hex(current.bytes), needsNewline: !current.terminated };
  const rotated = await readLastLine(`${path}.1`);
  return { head: rotated ? sha256Hex(rotated.bytes) : GENESIS, needsNewline: false };
}

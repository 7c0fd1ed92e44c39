import { createHash, randomBytes } from 'node:crypto';
import { FleetError } from '../errors/index.js';
import type { FileStat, ReadFileSpec, WriteFileResult, WriteFileSpec } from './types.js';

/**
 * What every device's file primitives share, whichever way they reach the files (this
 * machine's syscalls, SFTP): limits, how metadata is shown, how a tail is cut, and the
 * refusals a caller branches on. One place, so an agent and an SSH device answer alike.
 */

/** Files above this size get no whole-file hash: hashing gigabytes would stall the call. */
export const HASH_LIMIT_BYTES = 64 * 1024 * 1024;
/** Entries a directory listing returns at most. */
export const MAX_DIR_ENTRIES = 10_000;

export function fileKind(s: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FileStat['type'] {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  return 'other';
}

/** Refuses a path that is not absolute or holds a NUL byte, before anything resolves it. */
export function checkPathArgument(path: string): void {
  if (!path.startsWith('/'))
    throw new FleetError('INVALID_ARGUMENT', `path must be absolute: ${path}`, { path });
  if (path.includes('\0')) throw new FleetError('INVALID_ARGUMENT', 'path contains a NUL byte', { path });
}

/** Permission bits as `0644`. */
export const modeString = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/**
 * The last `lines` lines of a file of `size` bytes, read backwards in 64 KiB chunks through
 * `read` (so a short tail of a big file costs one chunk) and never more than `maxBytes`.
 * `truncated` says the limit cut the tail before `lines` lines were found.
 */
export async function readTailLines(
  read: (position: number, length: number) => Promise<Buffer>,
  size: number,
  lines: number,
  maxBytes: number,
): Promise<{ data: Buffer; truncated: boolean }> {
  const chunk = 64 * 1024;
  let position = size;
  let buffers: Buffer[] = [];
  let newlines = 0;
  let collected = 0;
  while (position > 0 && collected < maxBytes) {
    const length = Math.min(chunk, position, maxBytes - collected);
    position -= length;
    const buf = await read(position, length);
    buffers = [buf, ...buffers];
    collected += length;
    for (const byte of buf) if (byte === 10) newlines++;
    // One extra newline: the file's last line usually ends with one.
    if (newlines > lines) break;
  }
  let data = Buffer.concat(buffers);
  let seen = 0;
  const end = data.length > 0 && data[data.length - 1] === 10 ? data.length - 1 : data.length;
  for (let i = end - 1; i >= 0; i--) {
    if (data[i] === 10 && ++seen === lines) {
      data = data.subarray(i + 1);
      return { data, truncated: false };
    }
  }
  return { data, truncated: position > 0 };
}

/**
 * The bytes a range read (no `tailLines`) returns of a file of `size` bytes: from `offset`
 * (clamped to the end) at most `length` and `maxBytes` bytes. `truncated` says `maxBytes` cut
 * what the caller asked for.
 */
export function rangeToRead(
  spec: Pick<ReadFileSpec, 'offset' | 'length' | 'maxBytes'>,
  size: number,
): { offset: number; length: number; truncated: boolean } {
  const offset = Math.min(spec.offset ?? 0, size);
  const wanted = Math.min(spec.length ?? size - offset, size - offset);
  const length = Math.min(wanted, spec.maxBytes);
  const truncated = length < size - offset && (spec.length === undefined || length < spec.length);
  return { offset, length, truncated };
}

/** Whether a write must read what the target holds now (to compare, append to or back it up). */
export const needsOldContent = (spec: WriteFileSpec): boolean =>
  spec.ifSha256 !== undefined || spec.append === true || spec.backup === true;

/** The mode a write leaves: the one asked for, else the replaced file's permission bits, else 0644. */
export const writeMode = (spec: WriteFileSpec, existingMode: number | undefined): number =>
  spec.mode ?? (existingMode === undefined ? 0o644 : existingMode & 0o7777);

/**
 * The temp file a write fills beside `name` before renaming it over: hidden, unique, and
 * recognisably ours should a crash leave it behind.
 */
export const tempNameFor = (name: string): string =>
  `.${name}.mcp-fleet-${randomBytes(6).toString('hex')}.tmp`;

/** What a write reports: `data` is the whole new content (old content included for an append). */
export function writeResult(
  spec: WriteFileSpec,
  data: Buffer,
  created: boolean,
  backupPath: string | null,
): WriteFileResult {
  return {
    bytes_written: spec.data.length,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    created,
    backup_path: backupPath,
  };
}

/** `if_sha256` did not match what is there (`current` null: nothing is there). */
export function hashMismatch(path: string, current: string | null, expected: string): FleetError {
  return new FleetError(
    'HASH_MISMATCH',
    current === null
      ? `if_sha256 given but ${path} does not exist; nothing written`
      : `${path} has sha256 ${current}, not the expected ${expected}; nothing written`,
    { path, actual_sha256: current },
  );
}

/** An append that would make the file larger than the write limit. */
export function appendTooLarge(
  path: string,
  adding: number,
  existingSize: number,
  limit: number,
): FleetError {
  return new FleetError(
    'FILE_TOO_LARGE',
    `appending ${adding} bytes to ${path} (${existingSize} bytes) would pass the limit of ${limit} bytes; nothing written`,
    { path, limit },
  );
}

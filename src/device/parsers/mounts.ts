/** One line of `/proc/mounts` (same format as `/etc/mtab` and `/proc/self/mounts`). */
export type MountEntry = {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string[];
};

/** The kernel octal-escapes space, tab, newline and backslash in mount fields (`\040`, `\011`, ...). */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Parses `/proc/mounts`; lines with fewer than three fields are skipped. */
export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype, options] = line.trim().split(/\s+/);
    if (device === undefined || mountpoint === undefined || fstype === undefined) continue;
    entries.push({
      device: unescapeField(device),
      mountpoint: unescapeField(mountpoint),
      fstype: unescapeField(fstype),
      options: options === undefined || options === '' ? [] : options.split(',').map(unescapeField),
    });
  }
  return entries;
}

/** Filesystem types that hold user data (local disks, removable media, network shares). */
const STORAGE_TYPES: ReadonlySet<string> = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'f2fs',
  'zfs',
  'nfs',
  'nfs4',
  'cifs',
  'fuseblk',
]);

function isStorage(entry: MountEntry): boolean {
  // A container's root is an overlay; any other overlay (e.g. Docker layers) repeats a real disk.
  if (entry.fstype === 'overlay') return entry.mountpoint === '/';
  return STORAGE_TYPES.has(entry.fstype);
}

/**
 * Keeps the mounts worth reporting disk usage for: real storage only (pseudo filesystems such as
 * proc, sysfs, cgroup, tmpfs and snap squashfs images are dropped), and one entry per device (the
 * shortest mountpoint, so bind mounts and btrfs subvolumes are not counted twice). `/` is always kept.
 */
export function diskMounts(entries: MountEntry[]): MountEntry[] {
  const storage = entries.filter(isStorage);
  const best = new Map<string, MountEntry>();
  for (const entry of storage) {
    const current = best.get(entry.device);
    if (current === undefined || entry.mountpoint.length < current.mountpoint.length) {
      best.set(entry.device, entry);
    }
  }
  const seen = new Set<string>();
  return storage.filter((entry) => {
    const key = `${entry.device}\n${entry.mountpoint}`;
    if (seen.has(key)) return false;
    if (entry.mountpoint !== '/' && best.get(entry.device) !== entry) return false;
    seen.add(key);
    return true;
  });
}

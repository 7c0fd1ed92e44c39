import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskMounts, parseMounts } from './mounts.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

const points = (text: string): string[] => diskMounts(parseMounts(text)).map((entry) => entry.mountpoint);

describe('parseMounts', () => {
  it('splits every line into fields and options', () => {
    const entries = parseMounts(sample('mounts-local.txt'));
    expect(entries).toHaveLength(20);
    expect(entries[5]).toEqual({
      device: '/dev/vda',
      mountpoint: '/',
      fstype: 'ext4',
      options: ['rw', 'relatime', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
    });
  });

  it('decodes octal escapes for space, tab, newline and backslash', () => {
    const entries = parseMounts(sample('mounts-desktop.txt'));
    const mountpoints = entries.map((entry) => entry.mountpoint);
    expect(mountpoints).toContain('/srv/data (bind)');
    expect(mountpoints).toContain('/media/alice/Tab\tBack\\slash\nLine');
    expect(parseMounts(sample('mounts-rpi.txt')).at(-1)?.mountpoint).toBe('/media/pi/My Disk');
  });

  it('returns an empty list for empty or garbage text', () => {
    expect(parseMounts('')).toEqual([]);
    expect(parseMounts('\n  \nonlyone\ntwo fields\n')).toEqual([]);
    expect(parseMounts('a b c')).toEqual([{ device: 'a', mountpoint: 'b', fstype: 'c', options: [] }]);
  });
});

describe('diskMounts', () => {
  it('keeps only the root disk of this machine', () => {
    expect(diskMounts(parseMounts(sample('mounts-local.txt')))).toEqual([
      {
        device: '/dev/vda',
        mountpoint: '/',
        fstype: 'ext4',
        options: ['rw', 'relatime', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
      },
    ]);
  });

  it('keeps the Pi root, boot firmware and a USB disk', () => {
    expect(points(sample('mounts-rpi.txt'))).toEqual(['/', '/boot/firmware', '/media/pi/My Disk']);
  });

  it('drops snaps, pseudo filesystems and bind duplicates on a desktop', () => {
    expect(points(sample('mounts-desktop.txt'))).toEqual([
      '/',
      '/boot/efi',
      '/data',
      '/mnt/media',
      '/media/alice/Tab\tBack\\slash\nLine',
      '/media/alice/WINDOWS',
    ]);
  });

  it('keeps the overlay root of a container and one mount of its bind-mounted disk', () => {
    expect(points(sample('mounts-container.txt'))).toEqual(['/', '/data']);
  });

  it('never drops / even when the same device has a shorter duplicate entry', () => {
    const text = '/dev/sda2 /home btrfs rw 0 0\n/dev/sda2 / btrfs rw 0 0\n/dev/sda2 / btrfs rw 0 0\n';
    expect(points(text)).toEqual(['/']);
    expect(points('/dev/root / ext4 rw 0 0\n/dev/root /x ext4 rw 0 0\n')).toEqual(['/']);
  });

  it('returns an empty list when nothing is storage', () => {
    expect(diskMounts([])).toEqual([]);
    expect(points('proc /proc proc rw 0 0\n')).toEqual([]);
  });
});

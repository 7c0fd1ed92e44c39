import type { StatsFs } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Mountpoints whose statfs never answers, like a dead NFS server's. */
const dead = new Set<string>();
const calls: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    statfs: (path: string): Promise<StatsFs> => {
      calls.push(path);
      if (dead.has(path)) return new Promise<StatsFs>(() => {});
      return actual.statfs(path);
    },
  };
});

const { createLocalDevice, STATFS_TIMEOUT_MS } = await import('./localDevice.js');

afterEach(() => {
  dead.clear();
  calls.length = 0;
});

describe('localDevice.diskUsage', () => {
  it('reports the mounts that answer', async () => {
    const usage = await createLocalDevice({ name: 't' }).diskUsage(['/']);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ mountpoint: '/' });
    expect(usage[0]?.total_bytes).toBeGreaterThan(0);
  });

  it('leaves out a mount whose statfs does not answer, after about one timeout in all', async () => {
    dead.add('/dead-a');
    dead.add('/dead-b');
    const device = createLocalDevice({ name: 't' });
    const started = Date.now();
    const usage = await device.diskUsage(['/dead-a', '/', '/dead-b', '/no-such-mount-xyz']);
    const elapsed = Date.now() - started;
    expect(usage.map((u) => u.mountpoint)).toEqual(['/']);
    expect(elapsed).toBeGreaterThanOrEqual(STATFS_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(STATFS_TIMEOUT_MS + 1500);

    // Asked again, the still-pending statfs is waited on again rather than repeated, so a dead
    // mount pins at most one worker however often the disks are asked for.
    calls.length = 0;
    const again = await device.diskUsage(['/dead-a', '/']);
    expect(again.map((u) => u.mountpoint)).toEqual(['/']);
    expect(calls).toEqual(['/']);
  });
});

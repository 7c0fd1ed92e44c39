import type { StatsFs } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { hostname, machine, networkInterfaces } from 'node:os';
import type {
  Device,
  DeviceCapabilities,
  DiskUsage,
  ExecControl,
  ExecResult,
  ExecSpec,
  NetworkAddress,
} from '../types.js';
import { canonicalPath, listDirectory, readFileRange, statPath, writeFileAtomic } from './files.js';
import { readManyFiles } from './readFiles.js';
import { type RunProcessDeps, runProcess } from './runProcess.js';
import { which } from './which.js';

export interface LocalDeviceOptions {
  name?: string;
  /** Force a capability on or off; `undefined` detects it. */
  capabilities?: Partial<DeviceCapabilities>;
  run?: RunProcessDeps;
  env?: NodeJS.ProcessEnv;
}

/** How long one mount's statfs may take before the mount is left out of `diskUsage`. */
export const STATFS_TIMEOUT_MS = 1000;

/** Resolves with `promise`'s value, or with null when it rejects or `ms` pass first. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    // unref: a statfs that never answers must not keep the process alive either.
    const timer = setTimeout(() => resolve(null), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The machine this process runs on: /proc and /sys read directly, commands spawned with argv. */
export function createLocalDevice(options: LocalDeviceOptions = {}): Device {
  const env = options.env ?? process.env;
  let detected: Promise<DeviceCapabilities> | undefined;
  /** statfs calls still running, by mountpoint: a later call waits on the same one again. */
  const pendingStatfs = new Map<string, Promise<StatsFs>>();

  /**
   * statfs of one mount, or null when it fails or does not answer within STATFS_TIMEOUT_MS.
   * statfs on a dead network mount (NFS, CIFS, FUSE) may never return, and it cannot be
   * cancelled: the libuv worker thread running it may stay pinned until the kernel gives up.
   * Leaving the mount out is still better than hanging the call. A statfs that is still
   * pending is reused, never repeated, so one dead mount pins at most one worker however
   * often the disks are asked for (the pool has four; all pinned would freeze all file I/O).
   */
  const statfsBounded = (mountpoint: string): Promise<StatsFs | null> => {
    let pending = pendingStatfs.get(mountpoint);
    if (pending === undefined) {
      pending = statfs(mountpoint);
      pendingStatfs.set(mountpoint, pending);
      const settled = () => pendingStatfs.delete(mountpoint);
      pending.then(settled, settled);
    }
    return within(pending, STATFS_TIMEOUT_MS);
  };

  const detect = async (): Promise<DeviceCapabilities> => {
    const path = env.PATH ?? '';
    // sd_booted(3): systemd is PID 1 exactly when /run/systemd/system exists.
    const systemd = (await exists('/run/systemd/system')) && (await which('systemctl', path)) !== null;
    const journald = systemd && (await which('journalctl', path)) !== null;
    const tmux = (await which('tmux', path)) !== null;
    return { systemd, journald, tmux, ...stripUndefined(options.capabilities ?? {}) };
  };

  return {
    name: options.name ?? hostname(),
    exec: (spec: ExecSpec, control?: ExecControl): Promise<ExecResult> =>
      runProcess(spec, control, { baseEnv: env, ...options.run }),
    realpath: canonicalPath,
    stat: statPath,
    readFile: readFileRange,
    writeFile: writeFileAtomic,
    listDir: listDirectory,
    readFiles: readManyFiles,
    async diskUsage(mountpoints: readonly string[]): Promise<DiskUsage[]> {
      // All at once: a dead mount costs one timeout in total, not one per mount.
      const results = await Promise.all(mountpoints.map((mountpoint) => statfsBounded(mountpoint)));
      const out: DiskUsage[] = [];
      for (const [index, s] of results.entries()) {
        // Failed (a mount we may not read) or timed out (a stale network mount): left out.
        if (s === null) continue;
        const total = s.blocks * s.bsize;
        const free = s.bfree * s.bsize;
        out.push({
          mountpoint: mountpoints[index] as string,
          total_bytes: total,
          used_bytes: total - free,
          available_bytes: s.bavail * s.bsize,
        });
      }
      return out;
    },
    async networkAddresses(): Promise<Record<string, NetworkAddress[]>> {
      const out: Record<string, NetworkAddress[]> = {};
      for (const [name, list] of Object.entries(networkInterfaces())) {
        out[name] = (list ?? []).map((a) => ({
          family: a.family === 'IPv6' ? 'inet6' : 'inet',
          address: a.address,
          prefix: Number(a.cidr?.split('/')[1] ?? 0),
        }));
      }
      return out;
    },
    machine: async () => machine(),
    capabilities() {
      detected ??= detect();
      return detected;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

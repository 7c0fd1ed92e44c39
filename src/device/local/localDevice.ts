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
      const out: DiskUsage[] = [];
      for (const mountpoint of mountpoints) {
        try {
          const s = await statfs(mountpoint);
          const total = s.blocks * s.bsize;
          const free = s.bfree * s.bsize;
          out.push({
            mountpoint,
            total_bytes: total,
            used_bytes: total - free,
            available_bytes: s.bavail * s.bsize,
          });
        } catch {
          // A stale network mount or one we may not read: leave it out rather than hang the status.
        }
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

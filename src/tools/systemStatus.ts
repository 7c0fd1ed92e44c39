import { z } from 'zod';
import type { Device } from '../device/index.js';
import {
  type CpuTimes,
  cpuPercent,
  diskMounts,
  parseCpuinfo,
  parseCpuTimes,
  parseDeviceTreeModel,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseOsRelease,
  parsePowerSupplyUevent,
  parseThermalZone,
  parseThrottled,
  parseThrottledSysfs,
  parseUptime,
} from '../device/parsers/index.js';
import { defineTool } from './toolDef.js';

/** Every file the status needs, read in one batch: one round trip over SSH. */
export const STATUS_FILES = [
  '/proc/sys/kernel/hostname',
  '/proc/sys/kernel/osrelease',
  '/etc/os-release',
  '/usr/lib/os-release',
  '/proc/cpuinfo',
  '/proc/device-tree/model',
  '/proc/uptime',
  '/proc/loadavg',
  '/proc/meminfo',
  '/proc/stat',
  '/proc/mounts',
  '/proc/net/dev',
  '/sys/class/thermal/thermal_zone*/type',
  '/sys/class/thermal/thermal_zone*/temp',
  '/sys/devices/platform/soc/soc:firmware/get_throttled',
  '/sys/class/power_supply/*/uevent',
  '/sys/class/net/*/address',
  '/sys/class/net/*/operstate',
] as const;

const Throttled = z.object({
  raw: z.string(),
  under_voltage: z.boolean(),
  freq_capped: z.boolean(),
  throttled: z.boolean(),
  soft_temp_limit: z.boolean(),
  under_voltage_occurred: z.boolean(),
  freq_capped_occurred: z.boolean(),
  throttled_occurred: z.boolean(),
  soft_temp_limit_occurred: z.boolean(),
});

export const SystemStatusOutput = z.object({
  hostname: z.string(),
  os: z.object({
    id: z.string().nullable(),
    name: z.string().nullable(),
    version_id: z.string().nullable(),
    pretty_name: z.string().nullable(),
  }),
  kernel: z.string(),
  architecture: z.string(),
  board_model: z.string().nullable(),
  cpu: z.object({
    model: z.string().nullable(),
    cores: z.number(),
    percent: z.number().nullable(),
    sample_ms: z.number().describe('Window the CPU percentage was measured over'),
  }),
  uptime_s: z.number(),
  load: z.object({ load1: z.number(), load5: z.number(), load15: z.number() }),
  memory: z.object({
    total_bytes: z.number(),
    available_bytes: z.number(),
    used_bytes: z.number(),
    swap_total_bytes: z.number(),
    swap_used_bytes: z.number(),
  }),
  disks: z.array(
    z.object({
      mountpoint: z.string(),
      device: z.string(),
      fstype: z.string(),
      total_bytes: z.number(),
      used_bytes: z.number(),
      available_bytes: z.number(),
      used_percent: z.number(),
    }),
  ),
  temperatures: z.array(z.object({ name: z.string(), celsius: z.number() })),
  throttling: Throttled.nullable(),
  batteries: z.array(
    z.object({
      name: z.string(),
      status: z.string().nullable(),
      capacity_percent: z.number().nullable(),
      voltage_v: z.number().nullable(),
      energy_now_wh: z.number().nullable(),
      energy_full_wh: z.number().nullable(),
      power_w: z.number().nullable(),
      technology: z.string().nullable(),
    }),
  ),
  network: z.array(
    z.object({
      name: z.string(),
      mac: z.string().nullable(),
      state: z.string().nullable(),
      rx_bytes: z.number(),
      tx_bytes: z.number(),
      addresses: z.array(
        z.object({ family: z.enum(['inet', 'inet6']), address: z.string(), prefix: z.number() }),
      ),
    }),
  ),
  agent: z
    .object({ version: z.string(), pid: z.number(), rss_bytes: z.number() })
    .nullable()
    .describe('The mcp-fleet process serving this device, when there is one'),
});
export type SystemStatus = z.infer<typeof SystemStatusOutput>;

export interface AgentSelf {
  version: string;
  pid: number;
  rss_bytes: number;
}

export interface StatusDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Reports the serving process (the agent itself), or null for agentless devices. */
  self?: (device: Device) => AgentSelf | null;
}

const MIN_SAMPLE_MS = 100;
const MAX_SAMPLE_AGE_MS = 10 * 60_000;

const perZone = (files: Map<string, string>, re: RegExp) => {
  const out = new Map<string, string>();
  for (const [path, text] of files) {
    const m = re.exec(path);
    if (m?.[1]) out.set(m[1], text);
  }
  return out;
};

/**
 * Builds the status from the batch of files plus disk usage. CPU % is measured between this
 * call's /proc/stat and the previous one on the same device when that one is recent enough,
 * so a steady poll costs no sleep; otherwise it samples for a short window.
 */
export function createSystemStatusTool(deps: StatusDeps = {}) {
  const now = deps.now ?? (() => Date.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const base = new WeakMap<
    Device,
    { at: number; times: CpuTimes; last: { percent: number | null; sample_ms: number } | null }
  >();

  /**
   * CPU % over the window since the device's previous reading. Polls closer together than
   * MIN_SAMPLE_MS reuse the last figure instead of sleeping; the very first call (or one after
   * a long gap) samples for MIN_SAMPLE_MS.
   */
  async function measureCpu(device: Device, times: CpuTimes) {
    const at = now();
    const prev = base.get(device);
    if (prev && at - prev.at < MIN_SAMPLE_MS && prev.last) return prev.last;
    let from = prev && at - prev.at <= MAX_SAMPLE_AGE_MS ? prev : undefined;
    let end = at;
    let current = times;
    if (!from || at - from.at < MIN_SAMPLE_MS) {
      from = { at, times, last: null };
      await sleep(MIN_SAMPLE_MS);
      const again = await device.readFiles(['/proc/stat'], 65_536);
      current = parseCpuTimes(again.get('/proc/stat') ?? '');
      end = now();
    }
    const last = { percent: cpuPercent(from.times, current), sample_ms: Math.round(end - from.at) };
    base.set(device, { at: end, times: current, last });
    return last;
  }

  return defineTool({
    name: 'system_status',
    title: 'System status',
    description:
      'Hostname, OS, kernel, board, uptime, load, CPU %, memory, disks, temperatures, throttling, batteries ' +
      'and network interfaces of the device.',
    input: z.object({}).strict(),
    output: SystemStatusOutput,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    async run(_args, ctx): Promise<SystemStatus> {
      const device = ctx.device;
      const [files, addresses, architecture] = await Promise.all([
        device.readFiles(STATUS_FILES, 262_144),
        device.networkAddresses(),
        device.machine(),
      ]);
      const get = (path: string) => files.get(path) ?? '';
      const cpuinfo = parseCpuinfo(get('/proc/cpuinfo'));
      const mounts = diskMounts(parseMounts(get('/proc/mounts')));
      const [usage, cpu] = await Promise.all([
        device.diskUsage(mounts.map((m) => m.mountpoint)),
        measureCpu(device, parseCpuTimes(get('/proc/stat'))),
      ]);
      const load = parseLoadavg(get('/proc/loadavg'));

      const types = perZone(files, /thermal_zone(\d+)\/type$/);
      const temperatures = [...perZone(files, /thermal_zone(\d+)\/temp$/)].flatMap(([zone, temp]) => {
        const t = parseThermalZone({ zone: `thermal_zone${zone}`, type: types.get(zone) ?? '', temp });
        return t ? [t] : [];
      });
      const boardModel = parseDeviceTreeModel(get('/proc/device-tree/model')) ?? cpuinfo.board_model;
      const throttling = await readThrottling(device, files, boardModel);
      const batteries = [...perZone(files, /power_supply\/([^/]+)\/uevent$/)].flatMap(([name, text]) => {
        const b = parsePowerSupplyUevent(name, text);
        return b ? [b] : [];
      });
      const traffic = parseNetDev(get('/proc/net/dev'));
      const macs = perZone(files, /\/sys\/class\/net\/([^/]+)\/address$/);
      const states = perZone(files, /\/sys\/class\/net\/([^/]+)\/operstate$/);
      const names = [...new Set([...Object.keys(traffic), ...macs.keys(), ...Object.keys(addresses)])].sort();

      return {
        hostname: get('/proc/sys/kernel/hostname').trim() || device.name,
        os: parseOsRelease(files.get('/etc/os-release') ?? get('/usr/lib/os-release')),
        kernel: get('/proc/sys/kernel/osrelease').trim(),
        architecture,
        board_model: boardModel,
        cpu: { model: cpuinfo.model, cores: cpuinfo.cores, ...cpu },
        uptime_s: Math.round(parseUptime(get('/proc/uptime'))),
        load: { load1: load.load1, load5: load.load5, load15: load.load15 },
        memory: parseMeminfo(get('/proc/meminfo')),
        disks: usage.map((u) => {
          const m = mounts.find((x) => x.mountpoint === u.mountpoint);
          const denominator = u.used_bytes + u.available_bytes;
          return {
            ...u,
            device: m?.device ?? '',
            fstype: m?.fstype ?? '',
            used_percent: denominator > 0 ? Math.round((u.used_bytes / denominator) * 1000) / 10 : 0,
          };
        }),
        temperatures,
        throttling,
        batteries,
        network: names.map((name) => ({
          name,
          mac: macs.get(name)?.trim() || null,
          state: states.get(name)?.trim() || null,
          rx_bytes: traffic[name]?.rx_bytes ?? 0,
          tx_bytes: traffic[name]?.tx_bytes ?? 0,
          addresses: addresses[name] ?? [],
        })),
        agent: deps.self?.(device) ?? null,
      };
    },
    render(s) {
      const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)}G`;
      const lines = [
        `${s.hostname}: ${s.os.pretty_name ?? s.os.name ?? 'Linux'}, kernel ${s.kernel}, ${s.architecture}` +
          (s.board_model ? `, ${s.board_model}` : ''),
        `up ${formatDuration(s.uptime_s)}, load ${s.load.load1} ${s.load.load5} ${s.load.load15}, ` +
          `cpu ${s.cpu.percent ?? '?'}% of ${s.cpu.cores} cores`,
        `mem ${gib(s.memory.used_bytes)}/${gib(s.memory.total_bytes)} used, swap ${gib(s.memory.swap_used_bytes)}/${gib(s.memory.swap_total_bytes)}`,
        `disks: ${s.disks.map((d) => `${d.mountpoint} ${d.used_percent}% of ${gib(d.total_bytes)}`).join(', ') || 'none'}`,
      ];
      if (s.temperatures.length) {
        lines.push(`temps: ${s.temperatures.map((t) => `${t.name} ${t.celsius.toFixed(1)}°C`).join(', ')}`);
      }
      if (s.throttling) {
        const now = ['under_voltage', 'freq_capped', 'throttled', 'soft_temp_limit'] as const;
        const active = now.filter((k) => s.throttling?.[k]);
        lines.push(`throttling ${s.throttling.raw}: ${active.length ? active.join(', ') : 'none now'}`);
      }
      for (const b of s.batteries)
        lines.push(`battery ${b.name}: ${b.capacity_percent ?? '?'}% ${b.status ?? ''}`);
      const nets = s.network.filter((n) => n.name !== 'lo');
      lines.push(
        `net: ${nets.map((n) => `${n.name} ${n.state ?? '?'} ${n.addresses.map((a) => a.address).join(' ')}`.trim()).join('; ')}`,
      );
      if (s.agent)
        lines.push(
          `agent ${s.agent.version}, pid ${s.agent.pid}, rss ${Math.round(s.agent.rss_bytes / 1048576)} MB`,
        );
      return lines.join('\n');
    },
  });
}

/**
 * Raspberry Pi firmware throttling flags: from sysfs where the kernel exposes them, else from
 * `vcgencmd get_throttled` (argv, short timeout); null on other boards.
 */
async function readThrottling(device: Device, files: Map<string, string>, board: string | null) {
  const sys = files.get('/sys/devices/platform/soc/soc:firmware/get_throttled');
  if (sys !== undefined) return parseThrottledSysfs(sys);
  if (!board?.startsWith('Raspberry Pi')) return null;
  try {
    const r = await device.exec({
      argv: ['vcgencmd', 'get_throttled'],
      timeoutMs: 2000,
      maxOutputBytes: 256,
    });
    return r.exit_code === 0 ? parseThrottled(r.stdout) : null;
  } catch {
    return null; // vcgencmd not installed
  }
}

function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m`;
}

import { z } from 'zod';
import {
  parseCmdline,
  parseMeminfo,
  parsePasswd,
  parsePidStat,
  parsePidStatusUid,
  parseUptime,
} from '../device/parsers/index.js';
import { defineTool } from './toolDef.js';

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture in use. */
const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

export const PROCESS_FILES = [
  '/proc/[0-9]*/stat',
  '/proc/[0-9]*/cmdline',
  '/proc/[0-9]*/status',
  '/proc/uptime',
  '/proc/meminfo',
  '/etc/passwd',
] as const;

export const processesTool = defineTool({
  name: 'processes',
  title: 'Top processes',
  description: 'Processes sorted by CPU (average over their lifetime, like ps) or by resident memory.',
  input: z
    .object({
      sort: z.enum(['cpu', 'mem']).default('cpu'),
      limit: z.number().int().positive().max(1000).default(20),
    })
    .strict(),
  output: z.object({
    total: z.number(),
    processes: z.array(
      z.object({
        pid: z.number(),
        ppid: z.number(),
        user: z.string(),
        name: z.string(),
        command: z.string(),
        state: z.string(),
        cpu_percent: z.number(),
        mem_percent: z.number(),
        rss_bytes: z.number(),
        threads: z.number(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, ctx) {
    const files = await ctx.device.readFiles(PROCESS_FILES, 65_536);
    const uptime = parseUptime(files.get('/proc/uptime') ?? '');
    const memTotal = parseMeminfo(files.get('/proc/meminfo') ?? '').total_bytes;
    const users = parsePasswd(files.get('/etc/passwd') ?? '');
    const list = [];
    for (const [path, text] of files) {
      const m = /^\/proc\/(\d+)\/stat$/.exec(path);
      if (!m) continue;
      const stat = parsePidStat(text);
      if (!stat) continue;
      const uid = parsePidStatusUid(files.get(`/proc/${m[1]}/status`) ?? '');
      const argv = parseCmdline(files.get(`/proc/${m[1]}/cmdline`) ?? '');
      const elapsed = uptime - stat.starttime_ticks / CLOCK_TICKS;
      const cpu = elapsed > 0 ? ((stat.utime_ticks + stat.stime_ticks) / CLOCK_TICKS / elapsed) * 100 : 0;
      const rss = stat.rss_pages * PAGE_SIZE;
      list.push({
        pid: stat.pid,
        ppid: stat.ppid,
        user: uid === null ? '?' : (users.get(uid) ?? String(uid)),
        name: stat.comm,
        command: argv.length > 0 ? argv.join(' ').slice(0, 512) : `[${stat.comm}]`,
        state: stat.state,
        cpu_percent: Math.round(cpu * 10) / 10,
        mem_percent: memTotal > 0 ? Math.round((rss / memTotal) * 1000) / 10 : 0,
        rss_bytes: rss,
        threads: stat.num_threads,
      });
    }
    const key = args.sort === 'cpu' ? 'cpu_percent' : 'rss_bytes';
    list.sort((a, b) => b[key] - a[key] || a.pid - b.pid);
    return { total: list.length, processes: list.slice(0, args.limit) };
  },
  render(r) {
    const rows = r.processes.map(
      (p) =>
        `${String(p.pid).padStart(7)} ${p.user.padEnd(10).slice(0, 10)} ${p.cpu_percent.toFixed(1).padStart(5)} ` +
        `${p.mem_percent.toFixed(1).padStart(5)} ${String(Math.round(p.rss_bytes / 1024)).padStart(8)}K ${p.command.slice(0, 100)}`,
    );
    return [
      `${r.total} processes; top ${r.processes.length}:`,
      '    PID USER        %CPU  %MEM      RSS COMMAND',
      ...rows,
    ].join('\n');
  },
});

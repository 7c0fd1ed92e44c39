import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type BenchContext, binPath } from './agentBench.js';
import { freePort, waitHealthy } from './procs.js';
import { OPEN_FILES } from './simLauncher.js';

/** The hub's admin token (principal `token`, from MCP_FLEET_TOKEN). */
export const HUB_TOKEN = 'bench-hub-token';

export interface HubDevice {
  name: string;
  port: number;
  /** The environment variable holding this device's token. */
  tokenEnv: string;
  tags?: string[];
}

export interface HubConfigOptions {
  concurrency: number;
  deviceTimeoutS: number;
  deadlineS: number;
  heartbeatIntervalS: number;
}

/** The defaults the brief's fleet.yaml uses: 64 in flight, 10 s per device, 60 s overall, heartbeat 15 s. */
export const DEFAULT_HUB_OPTIONS: HubConfigOptions = {
  concurrency: 64,
  deviceTimeoutS: 10,
  deadlineS: 60,
  heartbeatIntervalS: 15,
};

/** fleet.yaml text for `devices`, each an agent URL on 127.0.0.1 with a token by reference. */
export function fleetYaml(devices: readonly HubDevice[], options: HubConfigOptions): string {
  const entries = devices.map((d) => [
    d.name,
    {
      url: `http://127.0.0.1:${d.port}/mcp`,
      token_env: d.tokenEnv,
      ...(d.tags?.length ? { tags: d.tags } : {}),
    },
  ]);
  return stringify({
    devices: Object.fromEntries(entries),
    fanout: {
      concurrency: options.concurrency,
      device_timeout_s: options.deviceTimeoutS,
      deadline_s: options.deadlineS,
    },
    heartbeat: { interval_s: options.heartbeatIntervalS },
  });
}

export interface RunningHub {
  child: ChildProcess;
  pid: number;
  url: string;
  dir: string;
}

/**
 * `mcp-fleet hub --config … --listen 127.0.0.1:PORT --state-dir …` under a raised open-files
 * limit (1,000 devices are 1,000 kept-alive sockets), with its log kept in the scratch dir.
 * Resolves once /healthz answers, i.e. once the inventory is loaded and the port listens.
 */
export async function startHub(
  ctx: BenchContext,
  name: string,
  yaml: string,
  env: Record<string, string>,
): Promise<RunningHub> {
  const dir = join(ctx.tmp, name);
  mkdirSync(join(dir, 'state'), { recursive: true });
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, yaml);
  const port = await freePort();
  const log = openSync(join(dir, 'hub.log'), 'a');
  const child = ctx.procs.spawn(
    process.execPath,
    [
      binPath(ctx.root),
      'hub',
      '--config',
      config,
      '--listen',
      `127.0.0.1:${port}`,
      '--state-dir',
      join(dir, 'state'),
    ],
    {
      env: { ...process.env, ...env, MCP_FLEET_TOKEN: HUB_TOKEN, MCP_FLEET_LOG_LEVEL: 'warn' },
      stdio: ['ignore', log, log],
      openFiles: OPEN_FILES,
    },
  );
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, child, 6000);
  return { child, pid: child.pid ?? 0, url: `http://127.0.0.1:${port}/mcp`, dir };
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { type AgentHandle, BIN, cleanEnv, freePort, spawnServer, tempDir } from './agentProcess.js';
import { structuredOf } from './toolAssertions.js';

export interface StartHubOptions {
  /** fleet.yaml text, written into the hub's temp dir. */
  config: string;
  env?: Record<string, string>;
  args?: string[];
  /** The admin token (MCP_FLEET_TOKEN); generated when absent. */
  token?: string;
  /** Reuse a directory (a restarted hub keeps its state). */
  dir?: string;
}

export type HubHandle = AgentHandle & { configPath: string; stateDir: string };

/** Starts the real `mcp-fleet hub` on a free loopback port and waits for /healthz. */
export async function startHub(options: StartHubOptions): Promise<HubHandle> {
  const port = await freePort();
  const dir = options.dir ?? tempDir('mcpf-hub-');
  const token = options.token ?? `hub-token-${Math.random().toString(36).slice(2)}`;
  const configPath = join(dir, 'fleet.yaml');
  const stateDir = join(dir, 'state');
  const auditPath = join(stateDir, 'audit.jsonl');
  writeFileSync(configPath, options.config);
  const args = [BIN, 'hub', '--config', configPath, '--listen', `127.0.0.1:${port}`, '--state-dir', stateDir];
  args.push(...(options.args ?? []));
  const server = await spawnServer(
    args,
    { ...cleanEnv(), MCP_FLEET_TOKEN: token, ...options.env },
    port,
    'hub',
  );
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    token,
    dir,
    auditPath,
    configPath,
    stateDir,
    ...server,
  };
}

/** fleet.yaml lines for agents started by the test: each device's token comes from an env var. */
export function agentDevices(agents: ReadonlyArray<{ name: string; agent: AgentHandle; tags?: string[] }>): {
  yaml: string;
  env: Record<string, string>;
} {
  const env: Record<string, string> = {};
  const lines = ['devices:'];
  for (const { name, agent, tags } of agents) {
    const variable = `TOKEN_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
    env[variable] = agent.token;
    lines.push(
      `  ${name}: { url: "${agent.url}", token_env: ${variable}, tags: [${(tags ?? []).join(', ')}] }`,
    );
  }
  return { yaml: lines.join('\n'), env };
}

/** One device's heartbeat state and last error, as `fleet_devices` reports it to `client`. */
export async function deviceState(
  client: Client,
  device: string,
): Promise<{ state: string; last_error: string | null } | undefined> {
  const result = await client.callTool({ name: 'fleet_devices', arguments: { targets: device } });
  return (structuredOf(result).devices as Array<{ state: string; last_error: string | null }>)[0];
}

/** Calls `fleet_exec` on `targets`; `extra` adds arguments such as `timeout_s`. */
export function fleetExec(
  client: Client,
  targets: string,
  argv: string[],
  extra: Record<string, unknown> = {},
) {
  return client.callTool({ name: 'fleet_exec', arguments: { targets, argv, ...extra } });
}

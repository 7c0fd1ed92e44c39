import { readFleetConfig } from '../hub/inventory/index.js';
import {
  type CliConfigDeps,
  type CliSettings,
  describeSource,
  readHubToken,
  resolveCliConfig,
} from './config/index.js';
import { classifyHubError, type HubConnector } from './remote/hubClient.js';
import { parseDevices } from './remote/renderDevices.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

/** One line of `doctor`: what was checked, how it went, and what to do when it failed. */
export interface Check {
  id: string;
  status: CheckStatus;
  title: string;
  detail: string;
  fix?: string;
}

/** Hub entries of AI clients that differ from what `clients install` would write now. */
export interface ClientDrift {
  /** Locations holding the hub entry. */
  installed: number;
  drifted: Array<{ client: string; file: string; keys: string[] }>;
  errors: Array<{ client: string; file: string; error: string }>;
}

export interface DoctorDeps {
  config: CliConfigDeps;
  connect: HubConnector;
  fetch: (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;
  /** Absent: the drift check is left out (and says so). */
  clientDrift?: () => Promise<ClientDrift>;
  timeoutMs?: number;
}

const firstLine = (text: string) => text.split('\n')[0] ?? text;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function fleetCheck(settings: CliSettings): Promise<Check> {
  const file = settings.fleet.value;
  try {
    const config = await readFleetConfig(file);
    const devices = Object.keys(config.devices).length;
    const principals = Object.keys(config.principals).length;
    return {
      id: 'fleet',
      status: 'ok',
      title: 'fleet.yaml',
      detail: `${file}: ${devices} device${devices === 1 ? '' : 's'}, ${principals} principal${principals === 1 ? '' : 's'}`,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'CONFIG_NOT_FOUND') {
      return {
        id: 'fleet',
        status: 'skip',
        title: 'fleet.yaml',
        detail: `none at ${file} (needed only where the hub runs; from ${describeSource(settings.fleet.source)})`,
        fix: 'mcp-fleet init makes one',
      };
    }
    return {
      id: 'fleet',
      status: 'fail',
      title: 'fleet.yaml',
      detail: messageOf(error),
      fix: `fix ${file} at the lines shown (the hub refuses an invalid file)`,
    };
  }
}

/**
 * Runs every check in order; a check that needs an earlier one (the token needs the hub, the
 * devices need the token) is skipped, not failed, when that one failed.
 */
export async function runDoctorChecks(
  flags: Parameters<typeof resolveCliConfig>[0],
  deps: DoctorDeps,
): Promise<{ checks: Check[]; settings?: CliSettings }> {
  const checks: Check[] = [];
  let settings: CliSettings;
  try {
    settings = await resolveCliConfig(flags, deps.config);
  } catch (error) {
    checks.push({
      id: 'config',
      status: 'fail',
      title: 'CLI config',
      detail: messageOf(error),
      fix: 'fix the file at the line shown, or the variable or flag named (docs/cli.md)',
    });
    return { checks };
  }
  const read = settings.files.filter((f) => f.present).map((f) => f.path);
  checks.push({
    id: 'config',
    status: 'ok',
    title: 'CLI config',
    detail: read.length ? read.join(', ') : 'no config files; defaults, variables and flags',
  });
  checks.push(await fleetCheck(settings));

  const url = settings.hubUrl.value;
  const healthz = new URL('/healthz', url).toString();
  const timeoutMs = deps.timeoutMs ?? 5000;
  const startHint = `start it: mcp-fleet hub --config ${settings.fleet.value} (or set hub.url, MCP_FLEET_HUB_URL)`;
  let reachable = false;
  try {
    const response = await deps.fetch(healthz, { signal: AbortSignal.timeout(timeoutMs) });
    reachable = response.ok;
    checks.push(
      response.ok
        ? { id: 'hub', status: 'ok', title: 'hub reachable', detail: healthz }
        : {
            id: 'hub',
            status: 'fail',
            title: 'hub reachable',
            detail: `${healthz} answered HTTP ${response.status}`,
            fix: 'is this an mcp-fleet hub? check hub.url',
          },
    );
  } catch (error) {
    const why = firstLine(classifyHubError(error, { url, token: undefined, tokenFrom: '' }).message);
    checks.push({
      id: 'hub',
      status: 'fail',
      title: 'hub reachable',
      detail: `${healthz}: ${why}`,
      fix: startHint,
    });
  }

  const skip = (id: string, title: string, why: string): Check => ({
    id,
    status: 'skip',
    title,
    detail: why,
  });
  let devicesCheck: Check[] = [skip('devices', 'devices', 'not checked: no connection to the hub')];
  if (!reachable) {
    checks.push(skip('token', 'token accepted', 'not checked: the hub is not reachable'));
  } else {
    const ref = settings.token.value;
    const lookup = ref.kind === 'none' ? undefined : await readHubToken(ref, deps.config);
    if (lookup?.problem) {
      checks.push({
        id: 'token',
        status: 'fail',
        title: 'token accepted',
        detail: `no token: ${lookup.problem} (set by ${describeSource(settings.token.source)})`,
        fix: 'set MCP_FLEET_TOKEN, or hub.token_file in the CLI config (mcp-fleet init writes one)',
      });
    } else {
      const from = lookup?.from ?? 'nowhere';
      try {
        const hub = await deps.connect({ url, token: lookup?.token, tokenFrom: from });
        try {
          const tools = await hub.listTools();
          checks.push({
            id: 'token',
            status: 'ok',
            title: 'token accepted',
            detail: `token from ${from}; ${tools.length} tools`,
          });
          devicesCheck = await deviceChecks(await hub.callTool('fleet_devices', {}, { timeoutMs }));
        } finally {
          await hub.close();
        }
      } catch (error) {
        checks.push({
          id: 'token',
          status: 'fail',
          title: 'token accepted',
          detail: firstLine(messageOf(error)),
          fix: 'mcp-fleet token list shows who the hub accepts; mcp-fleet init --force makes a new admin token',
        });
      }
    }
  }
  checks.push(...devicesCheck);
  checks.push(await driftCheck(deps));
  return { checks, settings };
}

async function deviceChecks(
  result: Awaited<ReturnType<Awaited<ReturnType<HubConnector>>['callTool']>>,
): Promise<Check[]> {
  const devices = result.isError ? undefined : parseDevices(result.structuredContent);
  if (!devices) {
    const text = result.content.map((c) => c.text ?? '').join(' ');
    return [{ id: 'devices', status: 'fail', title: 'devices', detail: `fleet_devices failed: ${text}` }];
  }
  if (devices.length === 0) {
    return [
      {
        id: 'devices',
        status: 'skip',
        title: 'devices',
        detail: 'the hub has no devices',
        fix: 'mcp-fleet devices add …',
      },
    ];
  }
  return devices.map((d): Check => {
    const title = `device ${d.name}`;
    const where = `${d.connector}${d.address ? ` ${d.address}` : ''}`;
    if (d.state === 'up')
      return {
        id: 'device',
        status: 'ok',
        title,
        detail: `up, ${where}${d.latency_ms === null ? '' : `, ${d.latency_ms} ms`}`,
      };
    if (d.state === 'degraded')
      return { id: 'device', status: 'ok', title, detail: `degraded (${d.last_error ?? 'slow'}), ${where}` };
    if (d.state === 'unknown')
      return { id: 'device', status: 'skip', title, detail: `not probed yet, ${where}` };
    const fix =
      d.connector === 'ssh'
        ? `check ssh to ${d.address ?? d.name} (host key in known_hosts, your key) — docs/ssh.md`
        : d.connector === 'agent'
          ? `is the agent running at ${d.address ?? '?'} and does its token match? (mcp-fleet devices show ${d.name})`
          : `mcp-fleet devices show ${d.name}`;
    return {
      id: 'device',
      status: 'fail',
      title,
      detail: `down since ${d.since ?? '?'}: ${d.last_error ?? 'no answer'}`,
      fix,
    };
  });
}

async function driftCheck(deps: DoctorDeps): Promise<Check> {
  const title = 'AI clients in sync';
  if (!deps.clientDrift) {
    return {
      id: 'clients',
      status: 'skip',
      title,
      detail: 'not checked (this build has no client drift check)',
    };
  }
  try {
    const drift = await deps.clientDrift();
    if (drift.errors.length || drift.drifted.length) {
      const parts = [
        ...drift.drifted.map((d) => `${d.client} ${d.file}: ${d.keys.join(', ')} differ`),
        ...drift.errors.map((e) => `${e.client} ${e.file}: ${e.error}`),
      ];
      return {
        id: 'clients',
        status: 'fail',
        title,
        detail: parts.join('; '),
        fix: 'mcp-fleet clients sync',
      };
    }
    if (drift.installed === 0) {
      return {
        id: 'clients',
        status: 'skip',
        title,
        detail: 'no AI client has the hub entry',
        fix: 'mcp-fleet clients install <client>',
      };
    }
    return {
      id: 'clients',
      status: 'ok',
      title,
      detail: `${drift.installed} hub entr${drift.installed === 1 ? 'y' : 'ies'} as install would write them`,
    };
  } catch (error) {
    return { id: 'clients', status: 'fail', title, detail: messageOf(error) };
  }
}

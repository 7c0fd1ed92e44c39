import { describe, expect, it } from 'vitest';
import type { CliConfigDeps } from './config/index.js';
import { type DoctorDeps, runDoctorChecks } from './doctorChecks.js';
import type { HubCallResult, HubConnection } from './remote/hubClient.js';

const USER = '/home/ada/.config/mcp-fleet/config.yaml';

function config(files: Record<string, string>, env: Record<string, string> = {}): CliConfigDeps {
  return {
    env,
    cwd: '/nowhere',
    home: '/home/ada',
    async readFile(path) {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
  };
}

const devices = (list: Array<{ name: string; state: string; last_error?: string }>): HubCallResult => ({
  content: [{ type: 'text', text: '' }],
  structuredContent: {
    summary: '',
    devices: list.map((d) => ({
      name: d.name,
      tags: [],
      connector: 'agent',
      address: `http://${d.name}:8222/mcp`,
      state: d.state,
      since: '2026-01-01T00:00:00.000Z',
      last_error: d.last_error ?? null,
      latency_ms: 3,
    })),
  },
});

function hub(result: HubCallResult): HubConnection {
  return {
    callTool: async () => result,
    listTools: async () => [{ name: 'fleet_devices' }, { name: 'fleet_exec' }],
    close: async () => {},
  };
}

function deps(over: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    config: config({}, { MCP_FLEET_TOKEN: 't' }),
    fetch: async () => ({ ok: true, status: 200 }),
    connect: async () => hub(devices([{ name: 'pi-1', state: 'up' }])),
    ...over,
  };
}

const summary = (checks: Array<{ title: string; status: string }>) =>
  checks.map((c) => `${c.status} ${c.title}`);

describe('doctor checks', () => {
  it('all in order: config, fleet.yaml (none here: skipped), hub, token, each device, clients', async () => {
    const { checks } = await runDoctorChecks({}, deps());
    expect(summary(checks)).toEqual([
      'ok CLI config',
      'skip fleet.yaml',
      'ok hub reachable',
      'ok token accepted',
      'ok device pi-1',
      'skip AI clients in sync',
    ]);
    expect(checks.find((c) => c.id === 'token')?.detail).toBe('token from MCP_FLEET_TOKEN; 2 tools');
    expect(checks.at(-1)?.detail).toMatch(/no client drift check/);
  });

  it('an invalid CLI config is the only check, failed, with the file and line', async () => {
    const { checks, settings } = await runDoctorChecks(
      {},
      deps({ config: config({ [USER]: 'hub: {uri: x}\n' }) }),
    );
    expect(settings).toBeUndefined();
    expect(summary(checks)).toEqual(['fail CLI config']);
    expect(checks[0]?.detail).toContain(`${USER}:1:7`);
  });

  it('an unreachable hub fails with a fix; the checks that need it are skipped', async () => {
    const refused = Object.assign(new Error('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const { checks } = await runDoctorChecks(
      {},
      deps({
        fetch: async () => {
          throw refused;
        },
      }),
    );
    expect(summary(checks).slice(2, 5)).toEqual([
      'fail hub reachable',
      'skip token accepted',
      'skip devices',
    ]);
    expect(checks[2]?.detail).toMatch(/ECONNREFUSED/);
    expect(checks[2]?.fix).toMatch(/^start it: mcp-fleet hub --config /);
  });

  it('a refused token, a token file that is not there, a down device, drifted clients: each fails', async () => {
    const refused = await runDoctorChecks(
      {},
      deps({
        connect: async () => {
          throw new Error('the hub at x refused the token from MCP_FLEET_TOKEN (HTTP 401)');
        },
      }),
    );
    expect(summary(refused.checks)).toContain('fail token accepted');
    const missing = await runDoctorChecks({ tokenFile: '/gone' }, deps({ config: config({}) }));
    expect(missing.checks.find((c) => c.id === 'token')?.detail).toMatch(
      /^no token: cannot read \/gone \(ENOENT\) \(set by flag --token-file\)$/,
    );
    const down = await runDoctorChecks(
      {},
      deps({
        connect: async () =>
          hub(
            devices([
              { name: 'pi-1', state: 'up' },
              { name: 'nas', state: 'down', last_error: 'ECONNREFUSED' },
            ]),
          ),
        clientDrift: async () => ({
          installed: 2,
          drifted: [{ client: 'Cursor', file: '/c/mcp.json', keys: ['command'] }],
          errors: [],
        }),
      }),
    );
    expect(summary(down.checks).slice(4)).toEqual([
      'ok device pi-1',
      'fail device nas',
      'fail AI clients in sync',
    ]);
    expect(down.checks[5]?.detail).toBe('down since 2026-01-01T00:00:00.000Z: ECONNREFUSED');
    expect(down.checks[6]?.fix).toBe('mcp-fleet clients sync');
  });
});

import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, startAgent, tempDir } from '../helpers/agentProcess.js';
import { agentDevices } from '../helpers/hubProcess.js';
import { type SshFleet, startSshFleet } from '../helpers/sshd.js';
import {
  disposeAgent,
  errorCodeOf,
  type FleetEntry,
  fleetByDevice,
  structuredOf,
  textOf,
} from '../helpers/toolAssertions.js';

/** SFTP (protocol 3) carries whole seconds: mtimes are compared at that precision. */
function toSeconds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSeconds);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'mtime' && typeof v === 'string' ? v.replace(/\.\d{3}Z$/, '.000Z') : toSeconds(v),
      ]),
    );
  }
  return value;
}

/**
 * The same machine reached two ways: through a real agent (HTTP) and through a real OpenSSH
 * server with nothing installed (SshDevice). Every tool must answer with the same shape, and
 * the same values where they are deterministic.
 */
describe('an SSH device next to an agent on the same machine', () => {
  let agent: AgentHandle;
  let fleet: SshFleet;
  const work = realpathSync(tempDir('mcpf-sshwork-'));

  beforeAll(async () => {
    fleet = await startSshFleet(async (sshd) => {
      agent = await startAgent();
      const devices = agentDevices([{ name: 'viaagent', agent }]);
      return {
        config: `${devices.yaml}
  viassh:
    ssh: ${sshd.fleetSsh({ identity_file: `[/nonexistent/id_missing, ${sshd.identityFile}]` })}
  jumped:
    ssh: ${sshd.fleetSsh({ via: 'viassh' })}
fanout: { device_timeout_s: 20, deadline_s: 30 }
recipes:
  greet:
    description: Greets in a file, then reads it back
    params:
      who: { type: string }
      dir: { type: string }
    steps:
      - exec: [/bin/sh, -c, 'printf "hello %s\\n" "$1" > "$2/greeting-$(hostname)-$3"', sh, "{who}", "{dir}", "{who}"]
      - exec: [ls, "{dir}"]
`,
        env: devices.env,
      };
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await disposeAgent(agent);
  });

  const call = (name: string, args: Record<string, unknown>) =>
    fleet.client.callTool({ name, arguments: args });

  it('exec answers the same over SSH as from the agent', async () => {
    const r = await call('fleet_exec', {
      targets: 'viaagent,viassh',
      argv: ['/bin/sh', '-c', 'printf "%s|" "$@"; echo err >&2; exit 3', 'sh', "it's", '$(id)', 'a b'],
    });
    const d = fleetByDevice(r);
    const viaAgent = d.get('viaagent')?.result;
    const viaSsh = d.get('viassh')?.result;
    expect(viaSsh).toMatchObject({ stdout: "it's|$(id)|a b|", stderr: 'err\n', exit_code: 3, signal: null });
    expect({ ...viaSsh, duration_ms: 0 }).toEqual({ ...viaAgent, duration_ms: 0 });
    // Identical outputs are grouped into one block for both devices.
    expect(textOf(r)).toContain('== 2 devices ==');
  });

  it('system_status validates against the same output schema with the same machine facts', async () => {
    const r = await call('fleet_status', { targets: 'viaagent,viassh' });
    const d = fleetByDevice(r);
    expect(d.get('viassh')?.ok).toBe(true);
    const a = d.get('viaagent')?.result as Record<string, unknown>;
    const s = d.get('viassh')?.result as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(Object.keys(a).sort());
    for (const key of ['hostname', 'kernel', 'arch', 'os']) expect(s[key]).toEqual(a[key]);
    const cpu = (x: Record<string, unknown>) => ({ ...(x.cpu as object), percent: 0, sample_ms: 0 });
    expect(cpu(s)).toEqual(cpu(a));
  });

  it('processes lists the same kind of entries', async () => {
    const r = await call('fleet_processes', { targets: 'viaagent,viassh', limit: 5 });
    const d = fleetByDevice(r);
    expect(d.get('viassh')?.ok).toBe(true);
    const a = d.get('viaagent')?.result as { processes: Array<Record<string, unknown>> };
    const s = d.get('viassh')?.result as { processes: Array<Record<string, unknown>> };
    expect(s.processes.length).toBeGreaterThan(0);
    expect(Object.keys(s.processes[0] ?? {}).sort()).toEqual(Object.keys(a.processes[0] ?? {}).sort());
  });

  it('writes atomically, reads, lists and refuses paths outside the roots like the agent', async () => {
    const file = join(work, 'over-ssh.txt');
    const w = await call('fleet_write_file', { targets: 'viassh', path: file, content: 'hello\nworld\n' });
    expect(fleetByDevice(w).get('viassh')?.ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('hello\nworld\n');
    const r = await call('fleet_read_file', { targets: 'viaagent,viassh', path: file });
    const d = fleetByDevice(r);
    expect(toSeconds(d.get('viassh')?.result)).toEqual(toSeconds(d.get('viaagent')?.result));
    const t = await call('fleet_read_file', { targets: 'viaagent,viassh', path: file, tail_lines: 1 });
    expect(toSeconds(fleetByDevice(t).get('viassh')?.result)).toEqual(
      toSeconds(fleetByDevice(t).get('viaagent')?.result),
    );
    mkdirSync(join(work, 'sub'), { recursive: true });
    writeFileSync(join(work, '.hidden'), 'x');
    const l = await call('fleet_list_dir', { targets: 'viaagent,viassh', path: work });
    expect(toSeconds(fleetByDevice(l).get('viassh')?.result)).toEqual(
      toSeconds(fleetByDevice(l).get('viaagent')?.result),
    );
  });

  it('a recipe runs its steps the same way over SSH as through the agent', async () => {
    const dir = realpathSync(tempDir('mcpf-recipe-'));
    const r = await call('recipe_greet', { targets: 'viaagent,viassh', who: 'a b;c', dir });
    const d = fleetByDevice(r);
    expect(d.get('viassh')?.ok, JSON.stringify(d.get('viassh'))).toBe(true);
    expect(d.get('viassh')?.result).toEqual(d.get('viaagent')?.result);
    // One argument each: the value with a space and a ; was never split or interpreted.
    expect(readdirSync(dir)).toEqual([`greeting-${hostname()}-a b;c`]);
  });

  it('reaches a device through a jump host (via), and lists the route', async () => {
    const r = await call('fleet_exec', { targets: 'jumped', argv: ['echo', 'tunnelled'] });
    expect(fleetByDevice(r).get('jumped')?.result).toMatchObject({ stdout: 'tunnelled\n', exit_code: 0 });
    const devices = await call('fleet_devices', {});
    expect(JSON.stringify(structuredOf(devices))).toContain(
      `ssh://${fleet.sshd.user}@127.0.0.1:${fleet.sshd.port} via viassh`,
    );
  });

  it('logs from a file answer the same on both', async () => {
    const log = join(work, 'app.log');
    writeFileSync(log, 'one ok\ntwo error\nthree ok\nfour error\n');
    const r = await call('fleet_logs', { targets: 'viaagent,viassh', file: log, lines: 10, grep: 'error' });
    const d = fleetByDevice(r);
    expect(d.get('viassh')?.ok).toBe(true);
    expect(d.get('viassh')?.result).toEqual(d.get('viaagent')?.result);
  });

  it('tmux over SSH drives the same tmux server the agent sees (same machine, same user)', async () => {
    const made = await call('fleet_tmux', {
      targets: 'viassh',
      action: 'ensure',
      session: 'sshcheck',
      command: 'sleep 300',
    });
    expect(fleetByDevice(made).get('viassh')?.result).toMatchObject({
      created: true,
      session: 'mcp-sshcheck',
    });
    try {
      const listed = fleetByDevice(await call('fleet_tmux', { targets: 'viaagent,viassh', action: 'list' }));
      const names = (e: FleetEntry | undefined) =>
        ((e?.result?.sessions ?? []) as Array<{ name: string }>).map((x) => x.name).sort();
      expect(names(listed.get('viassh'))).toContain('mcp-sshcheck');
      expect(names(listed.get('viassh'))).toEqual(names(listed.get('viaagent')));
    } finally {
      await call('fleet_tmux', { targets: 'viassh', action: 'kill', session: 'sshcheck' });
    }
  });

  it('a missing command is the same error on both', async () => {
    const r = await call('fleet_exec', { targets: 'viaagent,viassh', argv: ['no-such-command-xyz'] });
    const d = fleetByDevice(r);
    expect(d.get('viassh')?.error).toEqual(d.get('viaagent')?.error);
    expect(errorCodeOf(r)).toBeDefined();
  });
});

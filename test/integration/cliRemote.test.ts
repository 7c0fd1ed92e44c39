import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/agent/index.js';
import {
  type AgentHandle,
  BIN,
  cleanEnv,
  freePort,
  runCli,
  type ServerProcess,
  spawnServer,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, removeDir, waitUntil } from '../helpers/toolAssertions.js';

/** An environment with its own HOME and XDG directories, so no real user config is read. */
function homeEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cleanEnv(),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    ...extra,
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences
const ESCAPES = /[\u001b\r]/;

describe('the CLI against a running hub', () => {
  let up: AgentHandle;
  let stopped: AgentHandle;
  let hub: HubHandle;
  let home: string;
  let env: Record<string, string>;
  let files: string;

  beforeAll(async () => {
    up = await startAgent();
    stopped = await startAgent();
    const devices = agentDevices([
      { name: 'pi-1', agent: up, tags: ['pi'] },
      { name: 'pi-2', agent: stopped, tags: ['pi'] },
    ]);
    await stopped.stop();
    hub = await startHub({
      config: `${devices.yaml}\nheartbeat: { interval_s: 1, timeout_s: 1, down_after: 1 }\n`,
      env: devices.env,
    });
    home = tempDir('mcpf-cli-home-');
    files = tempDir('mcpf-cli-files-');
    env = homeEnv(home, { MCP_FLEET_HUB_URL: hub.url, MCP_FLEET_TOKEN: hub.token });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await disposeAgent(up);
    await disposeAgent(stopped);
    removeDir(home);
    removeDir(files);
  });

  it('status: an aligned table, no color or progress when not on a terminal, exit 0', async () => {
    const run = await runCli(['status', 'pi-1'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [header, row, summary] = run.stdout.split('\n');
    expect(header).toMatch(/^DEVICE +STATUS +OS +UPTIME +LOAD +MEMORY +DISK +TEMP$/);
    expect(row).toMatch(/^pi-1 +ok +/);
    // Columns line up: each value starts where its header does.
    expect(row?.indexOf('ok')).toBe(header?.indexOf('STATUS'));
    expect(summary).toBe('1 device: 1 ok');
    expect(run.stdout + run.stderr).not.toMatch(ESCAPES);
  });

  it('exec: one row per device, a down device failed with its code, exit 1', async () => {
    const run = await runCli(['exec', 'tag:pi', '--', 'echo', 'hello'], env);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^DEVICE +STATUS +EXIT +TIME +OUTPUT$/);
    expect(lines[1]).toMatch(/^pi-1 +ok +0 +\S+ +hello$/);
    expect(lines[2]).toMatch(/^pi-2 +failed +- +\S+ +(DEVICE_DOWN|UNAVAILABLE): /);
    expect(lines[3]).toBe('2 devices: 1 ok, 1 failed');
    expect(run.stderr).toBe('');
  });

  it('exec: a non-zero exit code fails the device (exit 1); --shell takes one string; --json is the result', async () => {
    const failing = await runCli(['exec', 'pi-1', '--shell', '--', 'echo out; echo err >&2; exit 3'], env);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^pi-1 +failed +3 +\S+ +out\n +err\n/m);
    const json = await runCli(['exec', 'pi-1', '--json', '--', 'echo', 'hi'], env);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      results: Array<{ device: string; ok: boolean; result: { stdout: string } }>;
    };
    expect(result.results).toEqual([expect.objectContaining({ device: 'pi-1', ok: true })]);
    expect(result.results[0]?.result.stdout).toBe('hi\n');
    const usage = await runCli(['exec', 'pi-1', '--shell', '--', 'echo', 'two'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^mcp-fleet: with --shell give the command as one quoted string/);
  });

  it('a target naming nothing is refused as a whole: one line, exit 2', async () => {
    const run = await runCli(['exec', 'pi-9', '--', 'true'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^mcp-fleet: INVALID_TARGETS: [^\n]*pi-9[^\n]*\n$/);
  });

  it('an unreachable hub and a refused token are one line each, exit 2, and never print the token', async () => {
    const port = await freePort();
    const gone = await runCli(['status', '--hub', `http://127.0.0.1:${port}/mcp`], env);
    expect(gone.code).toBe(2);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(
      /^mcp-fleet: cannot reach the hub at http:\/\/127\.0\.0\.1:\d+\/mcp \(ECONNREFUSED\)[^\n]*\n$/,
    );
    const refused = await runCli(['status'], { ...env, MCP_FLEET_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^mcp-fleet: the hub at \S+ refused the token from MCP_FLEET_TOKEN \(HTTP 401\)\n$/,
    );
    expect(refused.stderr).not.toContain('not-the-token');
  });

  it('write, read and logs through the hub', async () => {
    const path = join(files, 'note.txt');
    const wrote = await runCli(['write', 'pi-1', path, '--content', 'line one\nline two\n'], env);
    expect(wrote.code).toBe(0);
    expect(wrote.stdout).toMatch(/^pi-1 +ok +18 B +[0-9a-f]{12} +created$/m);
    const read = await runCli(['read', 'pi-1', path], env);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe('line one\nline two\n');
    const logs = await runCli(['logs', 'pi-1', '--file', path, '--lines', '1'], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^pi-1 +ok +file +line two$/m);
    const both = await runCli(['read', 'tag:pi', path], env);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/^pi-1 +ok +18 B +[0-9a-f]{12} +line one\n +line two$/m);
  });

  it('call: any hub tool with JSON arguments; an unknown tool is a usage error', async () => {
    const run = await runCli(
      ['call', 'fleet_exec', '--args', '{"targets": "pi-1", "argv": ["echo", "via-call"]}'],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('via-call');
    const json = await runCli(['call', 'fleet_devices', '--json'], env);
    expect(json.code).toBe(0);
    const devices = (JSON.parse(json.stdout) as { structuredContent: { devices: Array<{ name: string }> } })
      .structuredContent.devices;
    expect(devices.map((d) => d.name)).toEqual(['pi-1', 'pi-2']);
    const list = await runCli(['call', '--list'], env);
    expect(list.stdout.split('\n')).toContain('fleet_exec');
    const unknown = await runCli(['call', 'no_such_tool'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^mcp-fleet: [^\n]*no_such_tool[^\n]*\n$/);
    const bad = await runCli(['call', 'fleet_exec', '--args', '[1]'], env);
    expect(bad.code).toBe(2);
  });

  it('devices list and show: the hub’s view with presence', async () => {
    // The stopped agent is found down by the heartbeat.
    expect(
      await waitUntil(
        async () => /^pi-2 +down /m.test((await runCli(['devices', 'list'], env)).stdout),
        15_000,
        200,
      ),
    ).toBe(true);
    const list = await runCli(['devices', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +STATE +CONNECTOR +ADDRESS +TAGS +LAST SEEN +LAST ERROR$/m);
    expect(list.stdout).toMatch(/^pi-1 +up +agent +http:\/\/127\.0\.0\.1:\d+\/mcp +pi /m);
    const show = await runCli(['devices', 'show', 'pi-2'], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^state +down$/m);
    expect(show.stdout).toMatch(/^last error +\S/m);
    expect(show.stdout + list.stdout).not.toContain(up.token);
  });

  it('config show: every value with its source, the token only as "set"', async () => {
    const userConfig = join(home, '.config', 'mcp-fleet', 'config.yaml');
    mkdirSync(join(home, '.config', 'mcp-fleet'), { recursive: true });
    writeFileSync(userConfig, '# mine\noutput:\n  color: never\nfleet: ./my-fleet.yaml\n');
    const run = await runCli(['config', 'show', '--state-dir', '/srv/state'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^hub\.url +http:\/\/127\.0\.0\.1:\d+\/mcp +env MCP_FLEET_HUB_URL$/m);
    expect(run.stdout).toMatch(/^hub\.token +\(set, from MCP_FLEET_TOKEN\) +env MCP_FLEET_TOKEN$/m);
    expect(run.stdout).toContain(`fleet         ${join(home, '.config', 'mcp-fleet', 'my-fleet.yaml')}`);
    expect(run.stdout).toMatch(new RegExp(`^output\\.color +never +user ${userConfig}:3$`, 'm'));
    expect(run.stdout).toMatch(/^state_dir +\/srv\/state +flag --state-dir$/m);
    expect(run.stdout).not.toContain(hub.token);
    const json = await runCli(['config', 'show', '--json'], env);
    const shown = JSON.parse(json.stdout) as {
      settings: Array<{ key: string; value: string; source: unknown }>;
    };
    expect(shown.settings.find((s) => s.key === 'hub.url')?.source).toEqual({
      kind: 'env',
      name: 'MCP_FLEET_HUB_URL',
    });
    expect(json.stdout).not.toContain(hub.token);
    const broken = join(home, '.config', 'mcp-fleet', 'config.yaml');
    writeFileSync(broken, 'hub:\n  url: http://x/mcp\n  colour: never\n');
    const invalid = await runCli(['config', 'show'], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`${broken}:3:3`);
    writeFileSync(broken, '# nothing\n');
  });

  it('doctor against a running hub: every check passes or is skipped, the down device fails (exit 1)', async () => {
    const run = await runCli(['doctor'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✓ CLI config: /m);
    expect(run.stdout).toMatch(/^✓ hub reachable: http:\/\/127\.0\.0\.1:\d+\/healthz$/m);
    expect(run.stdout).toMatch(/^✓ token accepted: token from MCP_FLEET_TOKEN; \d+ tools$/m);
    expect(run.stdout).toMatch(/^✓ device pi-1: up, agent /m);
    expect(run.stdout).toMatch(/^✗ device pi-2: down since /m);
    expect(run.stdout).toMatch(/^ {4}fix: is the agent running at /m);
    expect(run.stdout).toMatch(/^\d+ checks? failed$/m);
    const json = await runCli(['doctor', '--json'], env);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'hub')?.status).toBe('ok');
  });
});

describe('init, then the hub, then the CLI with nothing else set', () => {
  let home: string;
  let hub: ServerProcess | undefined;

  beforeAll(() => {
    home = tempDir('mcpf-init-');
  });

  afterAll(async () => {
    await hub?.stop();
    removeDir(home);
  });

  it('init --yes makes fleet.yaml, the state directory and a 0600 token file; refuses to overwrite without --force', async () => {
    const port = await freePort();
    const env = homeEnv(home);
    const first = await runCli(['init', '--yes', '--listen', `127.0.0.1:${port}`, '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const made = JSON.parse(first.stdout) as {
      fleet: string;
      token: string;
      token_file: string;
      url: string;
      state_dir: string;
    };
    expect(made.fleet).toBe(join(home, '.config', 'mcp-fleet', 'fleet.yaml'));
    expect(made.url).toBe(`http://127.0.0.1:${port}/mcp`);
    const fleet = readFileSync(made.fleet, 'utf8');
    expect(fleet).toContain(hashToken(made.token));
    expect(fleet).not.toContain(made.token);
    expect(fleet).toMatch(/^ {2}local:\n {4}local: true$/m);
    expect(fleet).toMatch(/^ {2}# +pi-kitchen: /m);
    expect(fleet).toMatch(/^ {2}# +garage-pi:/m);
    expect(statSync(made.token_file).mode & 0o777).toBe(0o600);
    expect(readFileSync(made.token_file, 'utf8').trim()).toBe(made.token);
    expect(statSync(made.state_dir).isDirectory()).toBe(true);

    const again = await runCli(['init', '--yes'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /^mcp-fleet: [^\n]*fleet\.yaml already exists; --force replaces it[^\n]*\n$/,
    );
    expect(readFileSync(made.fleet, 'utf8')).toBe(fleet);

    const forced = await runCli(['init', '--yes', '--force', '--listen', `127.0.0.1:${port}`], env);
    expect(forced.code).toBe(0);
    const token = /^ {2}(mcpf_\S+)$/m.exec(forced.stdout)?.[1];
    expect(token).toBeDefined();
    expect(token).not.toBe(made.token);
    expect(readFileSync(made.fleet, 'utf8')).toContain(hashToken(token ?? ''));

    // The hub as init says to start it; the CLI then needs nothing but HOME.
    hub = await spawnServer([BIN, 'hub', '--config', made.fleet], env, port, 'hub');
    const status = await runCli(['status', 'local'], env);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^local +ok +/m);
    const shown = await runCli(['config', 'show'], env);
    expect(shown.stdout).toMatch(/^hub\.token +\(set, from file \S+cli-token\) +user \S+config\.yaml:\d+$/m);
    expect(shown.stdout).not.toContain(token ?? '');
  });

  it('doctor: all checks pass against the fresh hub', async () => {
    const env = homeEnv(home);
    expect(await waitUntil(async () => (await runCli(['doctor'], env)).code === 0, 15_000, 250)).toBe(true);
    const run = await runCli(['doctor'], env);
    expect(run.stdout).toMatch(/^✓ fleet\.yaml: \S+fleet\.yaml: 1 device, 1 principal$/m);
    expect(run.stdout).toMatch(/^✓ device local: up, local/m);
    expect(run.stdout).toMatch(/^all checks passed$/m);
  });

  it('devices add and token list/revoke edit fleet.yaml; the running hub picks the changes up', async () => {
    const env = homeEnv(home);
    const fleet = join(home, '.config', 'mcp-fleet', 'fleet.yaml');
    const add = await runCli(['devices', 'add', 'box', '--ssh', 'me@127.0.0.1:1', '--tags', 'lab'], env);
    expect(add.code).toBe(0);
    const text = readFileSync(fleet, 'utf8');
    expect(text).toContain(
      '  box:\n    ssh:\n      host: 127.0.0.1\n      user: me\n      port: 1\n    tags: [lab]\n',
    );
    expect(text).toContain('# This machine, served in-process by the hub.');
    expect(
      await waitUntil(
        async () => /^box /m.test((await runCli(['devices', 'list'], env)).stdout),
        10_000,
        200,
      ),
    ).toBe(true);

    // remove pairs with add: the fleet.yaml entry goes, the rest of the file stays byte for byte.
    const before = readFileSync(fleet, 'utf8');
    const added = await runCli(['devices', 'add', 'spare', '--url', 'http://127.0.0.1:1/mcp'], env);
    expect(added.code).toBe(0);
    const removed = await runCli(['devices', 'remove', 'spare'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^removed spare from \S+fleet\.yaml/);
    expect(readFileSync(fleet, 'utf8')).toBe(before);
    const missing = await runCli(['devices', 'remove', 'spare'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^mcp-fleet: no enrolled device named spare in \S+, and none in \S+fleet\.yaml\n$/,
    );

    const list = await runCli(['token', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +ROLE +TARGETS +RATE\/MIN +TOKEN\nadmin +admin +all +600 +set\n$/);
    expect(list.stdout).not.toMatch(/[0-9a-f]{64}/);

    const revoke = await runCli(['token', 'revoke', 'admin'], env);
    expect(revoke.code).toBe(0);
    expect(readFileSync(fleet, 'utf8')).not.toContain('admin:');
    expect(
      await waitUntil(async () => (await runCli(['status', 'local'], env)).code === 2, 10_000, 200),
    ).toBe(true);
    const refused = await runCli(['status', 'local'], env);
    expect(refused.stderr).toMatch(
      /^mcp-fleet: the hub at \S+ refused the token from \S+cli-token \(HTTP 401\)\n$/,
    );
    const unknown = await runCli(['token', 'revoke', 'admin'], env);
    expect(unknown.code).toBe(2);
  });

  it('doctor with no hub running: the hub check fails with a fix, later checks are skipped, exit 1', async () => {
    await hub?.stop();
    const env = homeEnv(home);
    const run = await runCli(['doctor'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ hub reachable: http:\/\/127\.0\.0\.1:\d+\/healthz: cannot reach the hub/m);
    expect(run.stdout).toMatch(/^ {4}fix: start it: mcp-fleet hub --config /m);
    expect(run.stdout).toMatch(/^- token accepted: not checked/m);
  });
});

describe('the progress line on a real terminal', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let home: string;
  const socket = `mcpf-cli-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    // Each agent's commands see its own delay, so devices finish one after another.
    for (const delay of ['0.2', '3', '3']) agents.push(await startAgent({ env: { CLI_TEST_DELAY: delay } }));
    const devices = agentDevices(agents.map((agent, i) => ({ name: `d${i + 1}`, agent })));
    hub = await startHub({ config: devices.yaml, env: devices.env });
    home = tempDir('mcpf-tty-');
  }, 60_000);

  afterAll(async () => {
    tmux('kill-server');
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
    removeDir(home);
  });

  it('shows done/total on stderr while the fan-out runs, and clears it at the end', async () => {
    const script = join(home, 'run.sh');
    const env = homeEnv(home, { MCP_FLEET_HUB_URL: hub.url, MCP_FLEET_TOKEN: hub.token });
    const exports = Object.entries(env)
      // tmux sets the terminal's own TERM; the runner's (often dumb or none) must not replace it.
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && k !== 'TERM' && !k.startsWith('TMUX'))
      .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join('\n');
    writeFileSync(
      script,
      `${exports}\n'${process.execPath}' '${BIN}' exec all --shell -- 'sleep $CLI_TEST_DELAY; echo slept'\necho "EXIT=$?"\nsleep 60\n`,
    );
    const started = tmux('new-session', '-d', '-x', '200', '-y', '50', 'sh', script);
    expect(started.status, started.stderr).toBe(0);
    const screen = () => tmux('capture-pane', '-p').stdout ?? '';
    let during = '';
    const sawProgress = await waitUntil(
      () => {
        during = screen();
        return /fleet_exec: 1\/3 devices done/.test(during);
      },
      20_000,
      50,
    );
    expect(sawProgress, during).toBe(true);
    let after = '';
    expect(
      await waitUntil(
        () => {
          after = screen();
          return after.includes('EXIT=');
        },
        20_000,
        100,
      ),
    ).toBe(true);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/^DEVICE +STATUS +EXIT +TIME +OUTPUT$/m);
    expect(after).toMatch(/^d2 +ok +0 +\S+ +slept$/m);
    expect(after).not.toContain('devices done');
  });
});

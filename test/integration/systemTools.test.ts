import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  readFileSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemStatusOutput } from '../../src/tools/index.js';
import {
  type AgentHandle,
  connectClient,
  type Era,
  eraClients,
  startAgent,
} from '../helpers/agentProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  realTempDir,
  removeDir,
  ruleOf,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

/** What the agent's own detection uses: an executable on PATH, found without a shell. */
function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** sd_booted(3): systemd runs as PID 1 exactly when /run/systemd/system exists. */
const systemdIsPid1 = existsSync('/run/systemd/system');

interface ProcessRow {
  pid: number;
  ppid: number;
  name: string;
  command: string;
  cpu_percent: number;
  mem_percent: number;
  rss_bytes: number;
}

let agent: AgentHandle;
let root: string;
let tmuxDir: string;

beforeAll(async () => {
  root = realTempDir('mcpf-sys-');
  tmuxDir = realTempDir('mcpf-tmux-');
  // A private tmux server: TMUX_TMPDIR puts its socket in a temp dir, and an empty TMUX keeps a
  // test run from inside tmux from reaching the developer's own server.
  agent = await startAgent({
    config: `policy:\n  roots: ["${root}"]\n`,
    env: { TMUX_TMPDIR: tmuxDir, TMUX: '' },
  });
});
afterAll(async () => {
  await disposeAgent(agent);
  if (tmuxDir !== undefined && onPath('tmux')) {
    try {
      execFileSync('tmux', ['kill-server'], {
        env: { ...process.env, TMUX_TMPDIR: tmuxDir, TMUX: '' },
        stdio: 'ignore',
      });
    } catch {
      // no server left running
    }
  }
  removeDir(tmuxDir);
  removeDir(root);
});

describe.each<Era>(['legacy', 'modern'])('system tools (%s era)', (era) => {
  const { connect } = eraClients(() => agent, era);

  it('system_status describes this machine and the agent process, matching its output schema', async () => {
    const c = await connect();
    const r = await c.callTool({ name: 'system_status', arguments: {} });
    const parsed = SystemStatusOutput.safeParse(r.structuredContent);
    expect(parsed.error).toBeUndefined();
    if (!parsed.success) return;
    const s = parsed.data;
    expect(s.hostname).toBe(hostname());
    expect(s.kernel).toBe(release());
    expect(Math.abs(s.memory.total_bytes - totalmem()) / totalmem()).toBeLessThan(0.01);
    expect(s.memory.used_bytes).toBeGreaterThan(0);
    expect(s.memory.available_bytes).toBeLessThanOrEqual(s.memory.total_bytes);
    expect(s.cpu.cores).toBe(cpus().length);
    expect(s.disks.length).toBeGreaterThanOrEqual(1);
    const rootDisk = s.disks.find((d) => d.mountpoint === '/');
    const fs = statfsSync('/');
    expect(rootDisk?.total_bytes).toBe(fs.blocks * fs.bsize);
    expect(s.uptime_s).toBeGreaterThan(0);
    expect(s.agent?.pid).toBe(agent.child.pid);
    expect(s.agent?.rss_bytes).toBeGreaterThan(0);
    expect(s.agent?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(textOf(r)).toContain(`${s.hostname}:`);
  });

  it('processes sorts by cpu and by memory and respects the limit', async () => {
    const c = await connect();
    for (const sort of ['cpu', 'mem'] as const) {
      const r = structuredOf(await c.callTool({ name: 'processes', arguments: { sort, limit: 5 } }));
      const rows = r.processes as ProcessRow[];
      expect(rows.length).toBe(Math.min(5, Number(r.total)));
      const key = sort === 'cpu' ? 'cpu_percent' : 'rss_bytes';
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1], rows[i]];
        if (a === undefined || b === undefined) throw new Error('row missing');
        expect(a[key] > b[key] || (a[key] === b[key] && a.pid < b.pid), `${sort} order at ${i}`).toBe(true);
      }
    }
    const one = structuredOf(await c.callTool({ name: 'processes', arguments: { limit: 1 } }));
    expect(one.processes as ProcessRow[]).toHaveLength(1);
  });

  it('processes includes the agent itself when the limit is large', async () => {
    const c = await connect();
    const r = structuredOf(await c.callTool({ name: 'processes', arguments: { sort: 'mem', limit: 1000 } }));
    // Precondition for "everything is listed": fewer processes than the limit on this machine.
    expect(Number(r.total)).toBeLessThan(1000);
    const rows = r.processes as ProcessRow[];
    expect(rows).toHaveLength(Number(r.total));
    const self = rows.find((p) => p.pid === agent.child.pid);
    expect(self).toMatchObject({ ppid: process.pid });
    expect(self?.command).toContain('mcp-fleet.js agent');
    expect(self?.rss_bytes).toBeGreaterThan(0);
  });

  it('logs reads the tail of a file inside the roots, with and without grep', async () => {
    const c = await connect();
    const file = join(root, `app-${era}.log`);
    const events = Array.from({ length: 50 }, (_, i) => `${i % 5 === 0 ? 'ERROR' : 'info'} event ${i}`);
    writeFileSync(file, `${events.join('\n')}\n`);
    const tail = structuredOf(await c.callTool({ name: 'logs', arguments: { file, lines: 3 } }));
    expect(tail).toEqual({
      source: 'file',
      lines: ['info event 47', 'info event 48', 'info event 49'],
      notes: [],
    });

    const errors = structuredOf(
      await c.callTool({ name: 'logs', arguments: { file, grep: '^ERROR', lines: 2 } }),
    );
    expect(errors.lines).toEqual(['ERROR event 40', 'ERROR event 45']);

    const since = structuredOf(
      await c.callTool({ name: 'logs', arguments: { file, lines: 1, since: '1 hour ago' } }),
    );
    expect(since).toMatchObject({ lines: ['info event 49'], notes: ['since is not applied to plain files'] });

    const badGrep = await c.callTool({ name: 'logs', arguments: { file, grep: '(' } });
    expect(errorCodeOf(badGrep)).toBe('INVALID_ARGUMENT');

    const outside = await c.callTool({ name: 'logs', arguments: { file: '/etc/passwd' } });
    expect(errorCodeOf(outside)).toBe('POLICY_DENIED');
    expect(ruleOf(outside)).toBe('roots');
  });

  it('logs without a file needs journald, which is detected like the agent does', async () => {
    const c = await connect();
    const r = await c.callTool({ name: 'logs', arguments: { lines: 5 } });
    if (!(systemdIsPid1 && onPath('journalctl'))) {
      // Here: journalctl may be installed, but without systemd as PID 1 there is no journal.
      expect(r.isError).toBe(true);
      expect(errorCodeOf(r)).toBe('UNAVAILABLE');
    } else {
      expect(structuredOf(r).source).toBe('journald');
    }
  });

  it('service is listed exactly when systemd is PID 1 (it is not on this machine)', async () => {
    const c = await connect();
    const { tools } = await c.listTools();
    const names = tools.map((t) => t.name);
    expect(names.includes('service')).toBe(systemdIsPid1 && onPath('systemctl'));
    expect(names.includes('tmux')).toBe(onPath('tmux'));
  });
});

describe('logs with journald switched off in the config', () => {
  let noJournal: AgentHandle;
  beforeAll(async () => {
    noJournal = await startAgent({ config: 'capabilities:\n  journald: false\n' });
  });
  afterAll(async () => {
    await disposeAgent(noJournal);
  });

  it('is UNAVAILABLE without a file', async () => {
    const c = await connectClient(noJournal.url, noJournal.token);
    try {
      const r = await c.callTool({ name: 'logs', arguments: { unit: 'nginx' } });
      expect(errorCodeOf(r)).toBe('UNAVAILABLE');
      expect(textOf(r)).toContain('give a log file');
    } finally {
      await c.close();
    }
  });
});

describe.each<Era>(['legacy', 'modern'])('tmux sessions on a private server (%s era)', (era) => {
  let client: Client;
  const session = `work-${era}`;
  const full = `mcp-${session}`;
  beforeAll(async () => {
    // tmux is required (CI installs it): fail loudly rather than skip.
    expect(onPath('tmux'), 'tmux must be installed').toBe(true);
    client = await connectClient(agent.url, agent.token, era);
  });
  afterAll(async () => {
    await client?.close();
  });

  const tmux = async (args: Record<string, unknown>) => client.callTool({ name: 'tmux', arguments: args });
  const sessionNames = async () =>
    ((structuredOf(await tmux({ action: 'list' })).sessions as Array<{ name: string }>) ?? []).map(
      (s) => s.name,
    );

  it('ensure creates a session once, list shows it, keys reach it, capture sees them, kill removes it', async () => {
    const first = structuredOf(await tmux({ action: 'ensure', session, command: 'sh', cwd: root }));
    expect(first).toMatchObject({ action: 'ensure', session: full, created: true });
    const second = structuredOf(await tmux({ action: 'ensure', session, command: 'sh' }));
    expect(second).toMatchObject({ session: full, created: false });

    const listed = structuredOf(await tmux({ action: 'list' }));
    const entry = (listed.sessions as Array<{ name: string; windows: number; attached: boolean }>).find(
      (s) => s.name === full,
    );
    expect(entry).toMatchObject({ windows: 1, attached: false });

    // The prefix is optional in the name: mcp-work-… is the same session.
    const sent = await tmux({ action: 'send_keys', session: full, keys: 'echo marker-123' });
    expect(structuredOf(sent)).toMatchObject({ session: full });
    let content = '';
    const seen = await waitUntil(
      async () => {
        content = String(structuredOf(await tmux({ action: 'capture', session, lines: 50 })).content);
        // The typed line contains `echo marker-123`; the output line is `marker-123` alone.
        return content.split('\n').some((l) => l.trim() === 'marker-123');
      },
      10_000,
      100,
    );
    expect(seen, content).toBe(true);

    const pwd = await tmux({ action: 'send_keys', session, keys: 'pwd' });
    expect(pwd.isError).toBeFalsy();
    const inRoot = await waitUntil(
      async () =>
        String(structuredOf(await tmux({ action: 'capture', session })).content)
          .split('\n')
          .some((l) => l.trim() === root),
      10_000,
      100,
    );
    expect(inRoot).toBe(true);

    structuredOf(await tmux({ action: 'kill', session }));
    expect(await sessionNames()).not.toContain(full);
    const again = await tmux({ action: 'kill', session });
    expect(errorCodeOf(again)).toBe('NOT_FOUND');
    const capture = await tmux({ action: 'capture', session });
    expect(errorCodeOf(capture)).toBe('NOT_FOUND');
  });

  it.each(['a;b', '-t', '--help', 'x y', '$(id)', ''])('refuses the session name %j', async (bad) => {
    const before = await sessionNames();
    const r = await tmux({ action: 'ensure', session: bad, command: 'sh' });
    expect(errorCodeOf(r), textOf(r)).toBe('INVALID_ARGUMENT');
    expect(await sessionNames()).toEqual(before);
  });

  it('send_keys to a session that does not exist is NOT_FOUND', async () => {
    const r = await tmux({ action: 'send_keys', session: `absent-${era}`, keys: 'echo hi' });
    expect(errorCodeOf(r)).toBe('NOT_FOUND');
  });
});

describe('service via a stand-in systemctl (no systemd as PID 1 here)', () => {
  let binDir: string;
  let callLog: string;
  let stubbed: AgentHandle;
  let readOnly: AgentHandle;

  const recorded = (): string[] =>
    existsSync(callLog)
      ? readFileSync(callLog, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];

  beforeAll(async () => {
    binDir = realTempDir('mcpf-bin-');
    callLog = join(binDir, 'calls.log');
    const stub = join(binDir, 'systemctl');
    writeFileSync(
      stub,
      [
        '#!/bin/sh',
        `for arg in "$@"; do printf '%s\\n' "$arg" >> '${callLog}'; done`,
        'if [ "$1" = show ]; then',
        "  printf 'ActiveState=active\\nSubState=running\\nLoadState=loaded\\nUnitFileState=enabled\\nDescription=Fake\\n'",
        'fi',
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(stub, 0o755);
    const env = { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
    stubbed = await startAgent({ env, config: 'capabilities:\n  systemd: true\n' });
    readOnly = await startAgent({
      env,
      config: 'capabilities:\n  systemd: true\npolicy:\n  read_only: true\n',
    });
  });
  afterAll(async () => {
    await disposeAgent(stubbed);
    await disposeAgent(readOnly);
    removeDir(binDir);
  });

  it.each<Era>(['legacy', 'modern'])(
    'restarts a unit with an exact argv and reports its state (%s era)',
    async (era) => {
      const c = await connectClient(stubbed.url, stubbed.token, era);
      try {
        expect((await c.listTools()).tools.map((t) => t.name)).toContain('service');
        const before = recorded().length;
        const r = await c.callTool({ name: 'service', arguments: { unit: 'nginx', action: 'restart' } });
        expect(structuredOf(r)).toEqual({
          unit: 'nginx',
          action: 'restart',
          ok: true,
          exit_code: 0,
          active_state: 'active',
          sub_state: 'running',
          load_state: 'loaded',
          unit_file_state: 'enabled',
          description: 'Fake',
          output: '',
        });
        expect(recorded().slice(before)).toEqual([
          'restart',
          '--',
          'nginx',
          'show',
          '--property=ActiveState,SubState,LoadState,UnitFileState,Description',
          '--',
          'nginx',
        ]);
      } finally {
        await c.close();
      }
    },
  );

  it('acts on the user manager with --user', async () => {
    const c = await connectClient(stubbed.url, stubbed.token);
    try {
      const before = recorded().length;
      const r = await c.callTool({
        name: 'service',
        arguments: { unit: 'app.service', action: 'stop', user: true },
      });
      expect(structuredOf(r)).toMatchObject({ ok: true, unit: 'app.service', action: 'stop' });
      expect(recorded().slice(before)).toEqual([
        '--user',
        'stop',
        '--',
        'app.service',
        '--user',
        'show',
        '--property=ActiveState,SubState,LoadState,UnitFileState,Description',
        '--',
        'app.service',
      ]);
    } finally {
      await c.close();
    }
  });

  it.each(['--help', 'nginx;reboot', '-H', 'a b', '$(reboot)'])(
    'refuses the unit %j without running systemctl',
    async (unit) => {
      const c = await connectClient(stubbed.url, stubbed.token);
      try {
        const before = recorded().length;
        const r = await c.callTool({ name: 'service', arguments: { unit, action: 'restart' } });
        expect(errorCodeOf(r), textOf(r)).toBe('INVALID_ARGUMENT');
        expect(recorded()).toHaveLength(before);
      } finally {
        await c.close();
      }
    },
  );

  it('under a read_only policy allows status but denies restart', async () => {
    const c = await connectClient(readOnly.url, readOnly.token);
    try {
      const before = recorded().length;
      const status = await c.callTool({ name: 'service', arguments: { unit: 'nginx', action: 'status' } });
      expect(structuredOf(status)).toMatchObject({ action: 'status', ok: true, active_state: 'active' });
      expect(recorded().slice(before)).toEqual([
        'show',
        '--property=ActiveState,SubState,LoadState,UnitFileState,Description',
        '--',
        'nginx',
      ]);
      const afterStatus = recorded().length;
      const restart = await c.callTool({ name: 'service', arguments: { unit: 'nginx', action: 'restart' } });
      expect(errorCodeOf(restart)).toBe('POLICY_DENIED');
      expect(ruleOf(restart)).toBe('read_only');
      expect(recorded()).toHaveLength(afterStatus);
    } finally {
      await c.close();
    }
  });
});

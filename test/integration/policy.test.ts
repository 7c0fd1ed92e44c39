import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, type Era, startAgent } from '../helpers/agentProcess.js';
import {
  type AuditLine,
  disposeAgent,
  errorCodeOf,
  readAudit,
  realTempDir,
  removeDir,
  ruleOf,
  structuredOf,
  textOf,
} from '../helpers/toolAssertions.js';

const META = 'exec.allow.metachar';
const NO_MATCH = 'exec.allow.no_match';

const ALLOW_CONFIG = [
  'policy:',
  '  exec:',
  '    mode: allow',
  '    allow:',
  '      - { id: ls, argv: [ls] }',
  '      - { id: echo, argv: [echo] }',
  '',
].join('\n');

/** Commands that must never get past the allow-list, with the rule that refuses each. */
const deniedCommands: ReadonlyArray<readonly [string, string]> = [
  ['$(id)', META],
  ['echo `id`', META],
  ['ls; id', META],
  ['ls && id', META],
  ['ls | sh', META],
  ['ls <(id)', META],
  ['ls\nid', META],
  ['ls || id', META],
  ['/bin/ls', NO_MATCH],
  ['X=1 ls', META],
  ['echo $HOME', META],
  ["echo 'a;b'", META],
  ['id', NO_MATCH],
];

const deniedArgv: ReadonlyArray<readonly [string[], string]> = [
  [['/bin/ls'], NO_MATCH],
  [['sh', '-c', 'id'], NO_MATCH],
  [['ls', '$(id)'], META],
];

/** The audit lines of one tool call, found by its exact arguments. */
function auditFor(agent: AgentHandle, tool: string, args: Record<string, unknown>): AuditLine[] {
  return readAudit(agent.auditPath).filter(
    (l) => l.tool === tool && JSON.stringify(l.args) === JSON.stringify(args),
  );
}

describe('exec allow-list mode', () => {
  let agent: AgentHandle;
  beforeAll(async () => {
    agent = await startAgent({ config: ALLOW_CONFIG });
  });
  afterAll(async () => {
    await disposeAgent(agent);
  });

  describe.each<Era>(['legacy', 'modern'])('over MCP (%s era)', (era) => {
    let client: Client;
    beforeAll(async () => {
      client = await connectClient(agent.url, agent.token, era);
    });
    afterAll(async () => {
      await client?.close();
    });

    it.each(deniedCommands)('command %j is POLICY_DENIED by %s', async (command, rule) => {
      const r = await client.callTool({ name: 'exec', arguments: { command } });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toContain('POLICY_DENIED');
      expect(textOf(r)).toContain(rule);
      expect(errorCodeOf(r)).toBe('POLICY_DENIED');
      expect(ruleOf(r)).toBe(rule);
    });

    it.each(deniedArgv)('argv %j is POLICY_DENIED by %s', async (argv, rule) => {
      const r = await client.callTool({ name: 'exec', arguments: { argv } });
      expect(errorCodeOf(r)).toBe('POLICY_DENIED');
      expect(ruleOf(r)).toBe(rule);
    });

    it('runs an allowed command, parsed into argv and run without a shell', async () => {
      const listing = await client.callTool({ name: 'exec', arguments: { command: 'ls /' } });
      const out = structuredOf(listing);
      expect(out.exit_code).toBe(0);
      expect(String(out.stdout).split('\n')).toEqual(expect.arrayContaining(['etc', 'tmp']));

      const tmp = structuredOf(await client.callTool({ name: 'exec', arguments: { command: 'ls /tmp' } }));
      expect(tmp).toMatchObject({ exit_code: 0, timed_out: false });

      const hello = await client.callTool({ name: 'exec', arguments: { command: 'echo "hello world"' } });
      expect(structuredOf(hello)).toMatchObject({ exit_code: 0, stdout: 'hello world\n', stderr: '' });

      // The program comes from PATH and gets its argv verbatim, exactly as a spawn without a shell
      // does (with GNU coreutils this prints its version, where a shell's builtin echo would print
      // "--version").
      const version = await client.callTool({ name: 'exec', arguments: { command: 'echo --version' } });
      expect(structuredOf(version).stdout).toBe(execFileSync('echo', ['--version'], { encoding: 'utf8' }));

      const argv = await client.callTool({ name: 'exec', arguments: { argv: ['echo', 'a b', 'c'] } });
      expect(structuredOf(argv).stdout).toBe('a b c\n');
    });
  });

  it('audits every denial with outcome denied and the rule, and allowed calls with ok', async () => {
    const client = await connectClient(agent.url, agent.token);
    try {
      const marker = `m${process.pid}`;
      const calls: ReadonlyArray<readonly [Record<string, unknown>, string | null]> = [
        [{ command: `echo $${marker}` }, META],
        [{ command: `/bin/ls /${marker}` }, NO_MATCH],
        [{ argv: ['sh', '-c', `echo ${marker}`] }, NO_MATCH],
        [{ command: `echo ${marker}` }, null],
      ];
      for (const [args, rule] of calls) {
        const r = await client.callTool({ name: 'exec', arguments: args });
        expect(r.isError === true).toBe(rule !== null);
      }
      for (const [args, rule] of calls) {
        const lines = auditFor(agent, 'exec', args);
        expect(lines, JSON.stringify(args)).toHaveLength(1);
        const [line] = lines;
        expect(line?.principal).toBe('env');
        if (rule === null) {
          expect(line?.outcome).toBe('ok');
          expect(line?.rule).toBeUndefined();
        } else {
          expect(line).toMatchObject({ outcome: 'denied', error_code: 'POLICY_DENIED', rule });
        }
      }
    } finally {
      await client.close();
    }
  });
});

describe('read_only policy', () => {
  let agent: AgentHandle;
  let root: string;
  beforeAll(async () => {
    root = realTempDir('mcpf-ro-');
    writeFileSync(join(root, 'existing.txt'), 'unchanged\n');
    agent = await startAgent({ config: `policy:\n  read_only: true\n  roots: ["${root}"]\n` });
  });
  afterAll(async () => {
    await disposeAgent(agent);
    removeDir(root);
  });

  describe.each<Era>(['legacy', 'modern'])('over MCP (%s era)', (era) => {
    let client: Client | undefined;
    afterEach(async () => {
      await client?.close();
      client = undefined;
    });

    it('lists only tools with read-only calls', async () => {
      client = await connectClient(agent.url, agent.token, era);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(['read_file', 'list_dir', 'system_status', 'processes', 'logs']),
      );
      expect(names).not.toContain('exec');
      expect(names).not.toContain('write_file');
    });

    it('refuses exec and write_file by the read_only rule, and allows read_file and list_dir', async () => {
      client = await connectClient(agent.url, agent.token, era);
      const marker = join(root, `exec-ran-${era}`);
      const exec = await client.callTool({ name: 'exec', arguments: { argv: ['touch', marker] } });
      expect(errorCodeOf(exec)).toBe('POLICY_DENIED');
      expect(ruleOf(exec)).toBe('read_only');
      expect(existsSync(marker)).toBe(false);

      const path = join(root, 'existing.txt');
      const write = await client.callTool({ name: 'write_file', arguments: { path, content: 'changed\n' } });
      expect(errorCodeOf(write)).toBe('POLICY_DENIED');
      expect(ruleOf(write)).toBe('read_only');
      expect(readFileSync(path, 'utf8')).toBe('unchanged\n');

      const created = join(root, `new-${era}.txt`);
      const create = await client.callTool({
        name: 'write_file',
        arguments: { path: created, content: 'x' },
      });
      expect(ruleOf(create)).toBe('read_only');
      expect(existsSync(created)).toBe(false);

      const read = await client.callTool({ name: 'read_file', arguments: { path } });
      expect(structuredOf(read).content).toBe('unchanged\n');
      const list = await client.callTool({ name: 'list_dir', arguments: { path: root } });
      expect((structuredOf(list).entries as Array<{ name: string }>).map((e) => e.name)).toEqual([
        'existing.txt',
      ]);
    });
  });

  it('audits read_only denials with outcome denied and rule read_only', async () => {
    const client = await connectClient(agent.url, agent.token);
    try {
      const args = { argv: ['echo', `ro-${process.pid}`] };
      await client.callTool({ name: 'exec', arguments: args });
      expect(auditFor(agent, 'exec', args)).toEqual([
        expect.objectContaining({ outcome: 'denied', error_code: 'POLICY_DENIED', rule: 'read_only' }),
      ]);
      const read = { path: join(root, 'existing.txt') };
      await client.callTool({ name: 'read_file', arguments: read });
      expect(auditFor(agent, 'read_file', read).at(-1)).toMatchObject({ outcome: 'ok' });
    } finally {
      await client.close();
    }
  });
});

describe('tools.disabled', () => {
  let agent: AgentHandle;
  let root: string;
  beforeAll(async () => {
    root = realTempDir('mcpf-disabled-');
    agent = await startAgent({
      config: `policy:\n  roots: ["${root}"]\n  tools:\n    disabled: [list_dir]\n`,
    });
  });
  afterAll(async () => {
    await disposeAgent(agent);
    removeDir(root);
  });

  it.each<Era>(['legacy', 'modern'])(
    'refuses a disabled tool by the tools.disabled rule (%s era)',
    async (era) => {
      const client = await connectClient(agent.url, agent.token, era);
      try {
        const args = { path: root, hidden: era === 'modern' };
        const r = await client.callTool({ name: 'list_dir', arguments: args });
        expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('list_dir');
        expect(errorCodeOf(r)).toBe('POLICY_DENIED');
        expect(ruleOf(r)).toBe('tools.disabled');
        expect(textOf(r)).toContain('list_dir');
        expect(auditFor(agent, 'list_dir', args)).toEqual([
          expect.objectContaining({ outcome: 'denied', error_code: 'POLICY_DENIED', rule: 'tools.disabled' }),
        ]);
        // Other tools still run.
        const ok = await client.callTool({ name: 'exec', arguments: { argv: ['true'] } });
        expect(structuredOf(ok).exit_code).toBe(0);
      } finally {
        await client.close();
      }
    },
  );
});

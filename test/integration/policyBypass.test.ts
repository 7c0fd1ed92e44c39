/**
 * The whole policy bypass corpus (test/corpus) against the real built agent over MCP, both
 * protocol eras, and through the hub to three devices enforcing the same policy: that agent, an
 * SSH device (a real OpenSSH server; the hub enforces its policy in-process) and the hub's own
 * machine (`local: true`). Every case must be refused with POLICY_DENIED and the exact rule, and
 * nothing may change: no marker file an injected command would create, nothing written anywhere
 * in the fixture (inside the root or out), no byte of the secret outside returned.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPolicy, fill, ISSUE_CATEGORIES } from '../corpus/bypassCorpus.js';
import { EXEC_BYPASS_CASES, type ExecBypassCase } from '../corpus/execBypass.js';
import {
  OUTSIDE_SECRET,
  PATH_BYPASS_CASES,
  type PathBypassCase,
  ROOT_SYMLINKS,
} from '../corpus/pathBypass.js';
import { startSymlinkSwapper } from '../corpus/symlinkSwapper.js';
import { snapshotTree } from '../corpus/treeSnapshot.js';
import { type AgentHandle, connectClient, type Era, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { type SshdHandle, startSshd } from '../helpers/sshd.js';
import {
  disposeAgent,
  errorCodeOf,
  fleetEntries,
  readAudit,
  realTempDir,
  removeDir,
  ruleOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

/** One corpus case as a tool call: the agent tool, its arguments, the rule that must refuse it. */
interface CorpusCall {
  label: string;
  tool: string;
  args: Record<string, unknown>;
  rule: string;
}

const HUB_TOOL: Readonly<Record<string, string>> = {
  exec: 'fleet_exec',
  read_file: 'fleet_read_file',
  write_file: 'fleet_write_file',
  list_dir: 'fleet_list_dir',
};
const DEVICES = ['agent', 'viassh', 'here'] as const;
const RULE_AT_END = /\(rule ([^)]+)\)$/;

function execArgs(c: ExecBypassCase, values: Record<string, string>): Record<string, unknown> {
  const { command, argv, env, stdin } = c.input;
  return {
    ...(command !== undefined ? { command: fill(command, values) } : {}),
    ...(argv !== undefined ? { argv: argv.map((w) => fill(w, values)) } : {}),
    ...(env !== undefined
      ? { env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v, values)])) }
      : {}),
    ...(stdin !== undefined ? { stdin: fill(stdin, values) } : {}),
  };
}

function pathCall(
  c: PathBypassCase,
  values: Record<string, string>,
): { tool: string; args: Record<string, unknown> } {
  const path = fill(c.path, values);
  if (c.tool === 'exec_cwd') return { tool: 'exec', args: { argv: ['ls'], cwd: path } };
  if (c.tool === 'write_file') return { tool: 'write_file', args: { path, content: 'pwned\n' } };
  return { tool: c.tool, args: { path } };
}

const show = (text: string) => JSON.stringify(text).slice(0, 90);

/** Every corpus case as a call, exec cases with their own marker path under `markers`. */
function corpusCalls(root: string, outside: string, markers: string): CorpusCall[] {
  const calls: CorpusCall[] = [];
  for (const [index, c] of EXEC_BYPASS_CASES.entries()) {
    const args = execArgs(c, { marker: join(markers, `exec-${index}`), root, outside });
    calls.push({
      label: `exec ${c.category} ${show(JSON.stringify(c.input))}`,
      tool: 'exec',
      args,
      rule: c.expectedRule,
    });
  }
  for (const c of PATH_BYPASS_CASES) {
    const { tool, args } = pathCall(c, { root, outside });
    calls.push({ label: `${c.tool} ${c.category} ${show(c.path)}`, tool, args, rule: c.expectedRule });
  }
  return calls;
}

/** Builds the layout pathBypass.ts describes under `base`. */
function buildLayout(base: string): { root: string; outside: string; markers: string } {
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const markers = join(base, 'markers');
  for (const dir of [join(root, 'sub'), outside, join(base, 'root-evil'), markers])
    mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, 'sub', 'inside.txt'), 'inside\n');
  writeFileSync(join(outside, 'secret.txt'), OUTSIDE_SECRET);
  writeFileSync(join(base, 'root-evil', 'secret.txt'), OUTSIDE_SECRET);
  for (const [name, target] of Object.entries(ROOT_SYMLINKS))
    symlinkSync(fill(target, { outside }), join(root, name));
  return { root, outside, markers };
}

describe('the policy bypass corpus', () => {
  it('covers every category the issue lists and clearly exceeds 40 cases', () => {
    const execCategories = new Set(EXEC_BYPASS_CASES.map((c) => c.category));
    const pathCategories = new Set(PATH_BYPASS_CASES.map((c) => c.category));
    for (const [name, { exec = [], path = [] }] of Object.entries(ISSUE_CATEGORIES)) {
      const covered = exec.some((c) => execCategories.has(c)) || path.some((c) => pathCategories.has(c));
      expect(covered, name).toBe(true);
    }
    expect(EXEC_BYPASS_CASES.length + PATH_BYPASS_CASES.length).toBeGreaterThanOrEqual(150);
    expect(PATH_BYPASS_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it('arms live payloads: each armed case, run with no policy at all, creates its marker', {
    timeout: 60_000,
  }, async () => {
    const live = realTempDir('mcpf-bypass-live-');
    try {
      const armed = EXEC_BYPASS_CASES.filter((c) => c.armed);
      expect(armed.length).toBeGreaterThanOrEqual(30);
      const missing: string[] = [];
      for (const [index, c] of armed.entries()) {
        const marker = join(live, `live-${index}`);
        const args = execArgs(c, { marker, root: live, outside: live });
        const stdin = typeof args.stdin === 'string' ? args.stdin : undefined;
        const run =
          typeof args.command === 'string'
            ? spawnSync('bash', ['-c', args.command], { cwd: live, timeout: 10_000, stdio: 'ignore' })
            : spawnSync(String((args.argv as string[])[0]), (args.argv as string[]).slice(1), {
                cwd: live,
                timeout: 10_000,
                input: stdin,
                stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
              });
        expect(run.error, c.why).toBeUndefined();
        // Process substitution runs asynchronously: give it a moment after bash exits.
        if (!(await waitUntil(() => existsSync(marker), 5000))) missing.push(`${c.category}: ${c.why}`);
      }
      expect(missing).toEqual([]);
    } finally {
      removeDir(live);
    }
  });
});

describe('every corpus case is refused by the real agent, the hub and an SSH device', () => {
  let base: string;
  let layout: { root: string; outside: string; markers: string };
  let calls: CorpusCall[];
  let before: string[];
  let agent: AgentHandle;
  let sshd: SshdHandle;
  let hub: HubHandle;

  beforeAll(async () => {
    base = realTempDir('mcpf-bypass-');
    layout = buildLayout(base);
    calls = corpusCalls(layout.root, layout.outside, layout.markers);
    before = snapshotTree(base);
    const policy = JSON.stringify(corpusPolicy(layout.root));
    agent = await startAgent({ config: `policy: ${policy}\n` });
    sshd = await startSshd();
    const devices = agentDevices([{ name: 'agent', agent }]);
    hub = await startHub({
      config: `${devices.yaml}
  viassh:
    ssh: ${sshd.fleetSsh()}
    policy: ${policy}
  here:
    local: true
    policy: ${policy}
fanout: { device_timeout_s: 20, deadline_s: 40 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await disposeAgent(agent);
    await sshd?.stop();
    removeDir(base);
  });

  /** Nothing in the fixture changed and no marker appeared; no result carried the secret. */
  const expectNoSideEffects = (results: readonly CallToolResult[]) => {
    expect(readdirSync(layout.markers)).toEqual([]);
    expect(snapshotTree(base)).toEqual(before);
    const leaked = results.filter((r) => JSON.stringify(r).includes(OUTSIDE_SECRET.trim()));
    expect(leaked).toEqual([]);
  };

  it.each<Era>(['modern', 'legacy'])(
    'directly over MCP (%s era): POLICY_DENIED by the exact rule, one denied audit line each',
    { timeout: 120_000 },
    async (era) => {
      const client = await connectClient(agent.url, agent.token, era);
      const auditBefore = readAudit(agent.auditPath).length;
      const mismatches: string[] = [];
      const results: CallToolResult[] = [];
      try {
        for (const call of calls) {
          const r = (await client.callTool({ name: call.tool, arguments: call.args })) as CallToolResult;
          results.push(r);
          if (errorCodeOf(r) !== 'POLICY_DENIED' || ruleOf(r) !== call.rule) {
            mismatches.push(`${call.label}: want ${call.rule}, got ${show(textOf(r))}`);
          }
        }
      } finally {
        await client.close();
      }
      expect(mismatches).toEqual([]);
      expectNoSideEffects(results);
      const audit = readAudit(agent.auditPath).slice(auditBefore);
      expect(audit.map((l) => [l.tool, l.outcome, l.error_code, l.rule])).toEqual(
        calls.map((c) => [c.tool, 'denied', 'POLICY_DENIED', c.rule]),
      );
    },
  );

  it('through the hub to an agent, an SSH device and the local device: each refuses by the exact rule', {
    timeout: 120_000,
  }, async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    const auditBefore = readAudit(hub.auditPath).length;
    const mismatches: string[] = [];
    const results: CallToolResult[] = [];
    try {
      for (const call of calls) {
        const name = HUB_TOOL[call.tool] ?? call.tool;
        const r = (await client.callTool({
          name,
          arguments: { targets: DEVICES.join(','), ...call.args },
        })) as CallToolResult;
        results.push(r);
        if (r.isError) {
          mismatches.push(`${call.label}: the hub refused the call itself: ${show(textOf(r))}`);
          continue;
        }
        const entries = fleetEntries(r);
        expect(entries.map((e) => e.device)).toEqual([...DEVICES]);
        for (const e of entries) {
          const rule = RULE_AT_END.exec(e.error?.message ?? '')?.[1];
          if (e.ok || e.error?.code !== 'POLICY_DENIED' || rule !== call.rule) {
            const got = e.ok ? 'ok' : `${e.error?.code} ${show(e.error?.message ?? '')}`;
            mismatches.push(`${e.device} ${call.label}: want ${call.rule}, got ${got}`);
          }
        }
      }
    } finally {
      await client.close();
    }
    expect(mismatches).toEqual([]);
    expectNoSideEffects(results);
    const denied = Object.fromEntries(DEVICES.map((d) => [d, 'POLICY_DENIED']));
    const audit = readAudit(hub.auditPath).slice(auditBefore);
    expect(audit.map((l) => [l.tool, l.devices])).toEqual(calls.map((c) => [HUB_TOOL[c.tool], denied]));
  });
});

/**
 * What a call may answer while its path is being swapped: success (inside the root), refused
 * because the path resolved outside (POLICY_DENIED), refused because it changed between the check
 * and the open (PATH_OUTSIDE_ROOTS), or caught mid-swap with a component absent or not (yet) a
 * directory (NOT_FOUND, NOT_A_DIRECTORY).
 */
const RACE_OUTCOMES = new Set(['ok', 'POLICY_DENIED', 'PATH_OUTSIDE_ROOTS', 'NOT_FOUND', 'NOT_A_DIRECTORY']);
const WRITERS = 4;
const CALLS_EACH = 60;

describe('symlink swaps during writes (the agent)', () => {
  let base: string;
  let root: string;
  let outside: string;
  let agent: AgentHandle;

  beforeAll(async () => {
    base = realTempDir('mcpf-swap-');
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'd'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'leaf'), 'leaf\n');
    writeFileSync(join(outside, 'victim.txt'), OUTSIDE_SECRET);
    agent = await startAgent({ config: `policy: ${JSON.stringify({ roots: [root] })}\n` });
  });
  afterAll(async () => {
    await disposeAgent(agent);
    removeDir(base);
  });

  it('never writes, reads or lists outside the root while a directory and a file flip to symlinks', {
    timeout: 120_000,
  }, async () => {
    const outsideBefore = snapshotTree(outside);
    const swapper = startSymlinkSwapper(
      [
        { path: join(root, 'd'), target: outside },
        { path: join(root, 'leaf'), target: join(outside, 'victim.txt') },
      ],
      { stopFile: join(base, 'stop') },
    );
    const outcomes = new Map<string, number>();
    const problems: string[] = [];
    let rounds = 0;
    try {
      await swapper.ready;
      const calls: ReadonlyArray<{ name: string; arguments: Record<string, unknown> }> = [
        { name: 'write_file', arguments: { path: join(root, 'd', 'target'), content: 'w\n' } },
        {
          name: 'write_file',
          arguments: { path: join(root, 'd', 'target'), content: 'a\n', append: true, backup: true },
        },
        { name: 'write_file', arguments: { path: join(root, 'leaf'), content: 'l\n', backup: true } },
        { name: 'read_file', arguments: { path: join(root, 'd', 'victim.txt') } },
        { name: 'list_dir', arguments: { path: join(root, 'd') } },
      ];
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          const client = await connectClient(agent.url, agent.token, writer % 2 ? 'legacy' : 'modern');
          try {
            for (let i = 0; i < CALLS_EACH; i++) {
              const call = calls[(writer + i) % calls.length] as (typeof calls)[number];
              const r = (await client.callTool(call)) as CallToolResult;
              const outcome = r.isError ? (errorCodeOf(r) ?? textOf(r)) : 'ok';
              outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
              if (!RACE_OUTCOMES.has(outcome)) problems.push(`${call.name}: ${show(textOf(r))}`);
              const text = JSON.stringify(r);
              if (text.includes(OUTSIDE_SECRET.trim())) problems.push(`${call.name} returned the secret`);
              if (call.name === 'list_dir' && text.includes('victim.txt')) problems.push('listed outside');
            }
          } finally {
            await client.close();
          }
        }),
      );
    } finally {
      rounds = await swapper.stop();
    }
    console.log(`symlink swap race: ${rounds} swap rounds;`, Object.fromEntries(outcomes));
    expect(rounds).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    // Nothing appeared outside (no target, no temp file, no backup) and the victim is intact.
    expect(snapshotTree(outside)).toEqual(outsideBefore);
    // The swaps did not simply block every call: writes went through into the root.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
  });
});

import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  cleanEnv,
  connectClient,
  runCli,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { textOf, waitFor } from '../helpers/toolAssertions.js';

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('config reload without a restart', () => {
  let agent: AgentHandle;
  let client: Client;
  let configPath: string;

  const exec = () => client.callTool({ name: 'exec', arguments: { argv: ['echo', 'ran'] } });
  const execAllowed = async () => {
    const r = await exec();
    return !r.isError && (r.structuredContent as { stdout?: string } | undefined)?.stdout === 'ran\n';
  };
  const execDeniedReadOnly = async () => {
    const r = await exec();
    return (
      r.isError === true && textOf(r).startsWith('POLICY_DENIED: ') && textOf(r).includes('(rule read_only)')
    );
  };

  beforeAll(async () => {
    agent = await startAgent({ config: 'policy:\n  read_only: false\n' });
    configPath = join(agent.dir, 'agent.yaml');
    client = await connectClient(agent.url, agent.token);
  });
  afterAll(async () => {
    await client?.close();
    await agent?.stop();
  });

  it('starts with read_only: false, so exec runs', async () => {
    expect(readFileSync(configPath, 'utf8')).toBe('policy:\n  read_only: false\n');
    expect(await execAllowed()).toBe(true);
  });

  it('an edit to read_only: true takes effect: exec is refused with POLICY_DENIED, rule read_only', async () => {
    writeFileSync(configPath, 'policy:\n  read_only: true\n');
    await waitFor('exec to be denied', execDeniedReadOnly);
    expect(agent.stderr()).toContain('"msg":"config reloaded"');
    // The refusal is audited as such.
    const last = readFileSync(agent.auditPath, 'utf8').trimEnd().split('\n').at(-1) ?? '{}';
    expect(JSON.parse(last)).toMatchObject({ tool: 'exec', outcome: 'denied', rule: 'read_only' });
    // Reading stays allowed under read_only.
    const status = await client.callTool({ name: 'system_status', arguments: {} });
    expect(status.isError).toBeFalsy();
  });

  it('an invalid file is refused with a log line and the previous config stays in force', async () => {
    const refusedBefore = count(agent.stderr(), 'reload refused');
    writeFileSync(configPath, 'policy:\n  read_onyl: true\n');
    await waitFor('the reload to be refused', () => count(agent.stderr(), 'reload refused') > refusedBefore);
    const line = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('reload refused'))
      .at(-1);
    expect(line).toContain(`${configPath}:2:3`);
    expect(line).toContain('read_onyl');
    expect(JSON.parse(line ?? '{}').level).toBe(50); // pino "error"
    // Still read-only: neither the typo nor a fallback to defaults (read_only false) applies.
    expect(await execDeniedReadOnly()).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });

  it('SIGHUP re-reads the fixed file and exec is allowed again', async () => {
    // Fix the file through a second hard link outside the watched directory: the directory
    // watch sees no event for it, so it is the SIGHUP that brings the fix in.
    const link = join(tempDir(), 'agent.yaml');
    linkSync(configPath, link);
    const reloadedBefore = count(agent.stderr(), '"msg":"config reloaded"');
    writeFileSync(link, 'policy:\n  read_only: false\n');
    expect(readFileSync(configPath, 'utf8')).toBe('policy:\n  read_only: false\n');
    agent.child.kill('SIGHUP');
    await waitFor('exec to be allowed', execAllowed);
    expect(count(agent.stderr(), '"msg":"config reloaded"')).toBeGreaterThan(reloadedBefore);
    expect(agent.child.exitCode).toBeNull();
  });
});

describe('config errors at start', () => {
  it('exits 2 naming the file, the lines and every bad field at once', async () => {
    const dir = tempDir();
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'listen: "nope"\npolicy:\n  exec:\n    mode: sometimes\n');
    const run = await runCli(['agent', '--config', file], { ...cleanEnv(), MCP_FLEET_STATE_DIR: dir });
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 2, signal: null });
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`mcp-fleet: invalid config ${file}`);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${escapeRegExp(file)}:1:\\d+: listen: `));
    expect(lines[2]).toMatch(new RegExp(`^${escapeRegExp(file)}:4:\\d+: policy\\.exec\\.mode: `));
    expect(lines[2]).toMatch(/open/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

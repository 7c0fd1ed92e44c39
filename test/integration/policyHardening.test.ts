import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { errorCodeOf, realTempDir, removeDir, ruleOf, structuredOf } from '../helpers/toolAssertions.js';

describe('allow-list mode cannot be side-stepped', () => {
  let agent: AgentHandle;
  let root: string;
  beforeAll(async () => {
    root = realTempDir('mcpf-harden-');
    agent = await startAgent({
      config: `policy:\n  roots: ["${root}"]\n  exec:\n    mode: allow\n    allow:\n      - { id: ls, argv: [ls] }\n`,
      env: { TMUX_TMPDIR: root },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    removeDir(root);
  });

  it('refuses environment variables, which would change what an allowed argv runs', async () => {
    const client = await connectClient(agent.url, agent.token);
    const r = await client.callTool({ name: 'exec', arguments: { argv: ['ls'], env: { PATH: root } } });
    expect(errorCodeOf(r)).toBe('POLICY_DENIED');
    expect(ruleOf(r)).toBe('exec.allow.env');
    await client.close();
  });

  it('checks cwd against the roots', async () => {
    const client = await connectClient(agent.url, agent.token);
    const outside = await client.callTool({ name: 'exec', arguments: { argv: ['ls'], cwd: '/etc' } });
    expect(errorCodeOf(outside)).toBe('POLICY_DENIED');
    expect(ruleOf(outside)).toBe('roots');
    const inside = await client.callTool({ name: 'exec', arguments: { argv: ['ls'], cwd: root } });
    expect(structuredOf(inside).exit_code).toBe(0);
    await client.close();
  });

  it('refuses a cwd or log file no canonicalisation can make valid by roots.invalid_path, as the file tools do', async () => {
    const client = await connectClient(agent.url, agent.token);
    for (const call of [
      { name: 'exec', arguments: { argv: ['ls'], cwd: 'relative/dir' } },
      { name: 'exec', arguments: { argv: ['ls'], cwd: `${root}/a\u0000b` } },
      { name: 'logs', arguments: { file: 'relative.log' } },
      { name: 'read_file', arguments: { path: 'relative.txt' } },
    ]) {
      const r = await client.callTool(call);
      expect(errorCodeOf(r), JSON.stringify(call)).toBe('POLICY_DENIED');
      expect(ruleOf(r), JSON.stringify(call)).toBe('roots.invalid_path');
    }
    await client.close();
  });

  it('refuses tmux send_keys and judges a session command by the allow-list', async () => {
    const client = await connectClient(agent.url, agent.token);
    const keys = await client.callTool({
      name: 'tmux',
      arguments: { action: 'send_keys', session: 'x', keys: 'id' },
    });
    expect(ruleOf(keys)).toBe('exec.allow.send_keys');
    const bad = await client.callTool({
      name: 'tmux',
      arguments: { action: 'ensure', session: 'x', command: 'id' },
    });
    expect(ruleOf(bad)).toBe('exec.allow.no_match');
    await client.close();
  });
});

describe('tmux cannot run commands when exec is disabled', () => {
  let agent: AgentHandle;
  let root: string;
  beforeAll(async () => {
    root = realTempDir('mcpf-tmuxoff-');
    agent = await startAgent({
      config: 'policy:\n  tools:\n    disabled: [exec]\n',
      env: { TMUX_TMPDIR: root },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    removeDir(root);
  });

  it('refuses ensure with a command and send_keys, by the rule that disabled exec', async () => {
    const client = await connectClient(agent.url, agent.token);
    const ensure = await client.callTool({
      name: 'tmux',
      arguments: { action: 'ensure', session: 'y', command: 'touch /tmp/should-not-exist' },
    });
    expect(errorCodeOf(ensure)).toBe('POLICY_DENIED');
    expect(ruleOf(ensure)).toBe('tools.disabled');
    const keys = await client.callTool({
      name: 'tmux',
      arguments: { action: 'send_keys', session: 'y', keys: 'id' },
    });
    expect(ruleOf(keys)).toBe('tools.disabled');
    await client.close();
  });
});

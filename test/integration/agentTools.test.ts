import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, type Era, startAgent } from '../helpers/agentProcess.js';

let agent: AgentHandle;

beforeAll(async () => {
  agent = await startAgent({ config: 'policy:\n  roots: ["/tmp", "/proc"]\n' });
});
afterAll(async () => {
  await agent?.stop();
});

describe.each<Era>(['legacy', 'modern'])('agent tools over Streamable HTTP (%s era)', (era) => {
  it('connects in the requested era and lists the tools with output schemas and annotations', async () => {
    const client = await connectClient(agent.url, agent.token, era);
    expect(client.getProtocolEra()).toBe(era);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'exec',
        'read_file',
        'write_file',
        'list_dir',
        'system_status',
        'processes',
        'logs',
      ]),
    );
    const exec = tools.find((t) => t.name === 'exec');
    expect(exec?.annotations?.readOnlyHint).toBe(false);
    expect(exec?.annotations?.destructiveHint).toBe(true);
    expect(tools.find((t) => t.name === 'read_file')?.annotations?.readOnlyHint).toBe(true);
    for (const t of tools) expect(t.outputSchema?.type).toBe('object');
    await client.close();
  });

  it('exec runs argv without a shell and a command with one', async () => {
    const client = await connectClient(agent.url, agent.token, era);
    const plain = await client.callTool({ name: 'exec', arguments: { argv: ['echo', '$HOME', 'a;b'] } });
    expect(plain.isError).toBeFalsy();
    expect(plain.structuredContent).toMatchObject({ exit_code: 0, stdout: '$HOME a;b\n', timed_out: false });
    const shell = await client.callTool({
      name: 'exec',
      arguments: { command: 'echo one; echo two >&2; exit 3' },
    });
    expect(shell.structuredContent).toMatchObject({ exit_code: 3, stdout: 'one\n', stderr: 'two\n' });
    expect((shell.content as Array<{ text: string }>)[0]?.text).toMatch(/^exit 3\n/);
    await client.close();
  });
});

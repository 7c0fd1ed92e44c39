import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { realTempDir, removeDir, textOf } from '../helpers/toolAssertions.js';
import { bodyCases, headerCases, toolCallCases } from './arbitraries.js';
import { confinedAgentYaml, prepareRoot } from './confinedDevice.js';
import {
  fuzz,
  fuzzSettings,
  postMortemOf,
  stderrDefects,
  type Target,
  testTimeoutFor,
} from './fuzzHarness.js';
import { FUZZ_MAX_BODY } from './jsonRpcArbitraries.js';
import { agentToolArgs } from './toolArbitraries.js';

/**
 * Property-based fuzzing of the real agent binary's HTTP MCP front: bodies, headers and tool
 * arguments. Never a 5xx, a hang or a crash; every answer a JSON-RPC response or a 4xx.
 */

const settings = fuzzSettings(3);
const OTHER_TOKEN = `other-${Math.random().toString(36).slice(2)}`;

let agent: AgentHandle;
let root: string;
let target: Target;
let listedBefore: string[] = [];

beforeAll(async () => {
  root = realTempDir('mcpf-fuzz-agent-');
  prepareRoot(root);
  agent = await startAgent({
    config: `${confinedAgentYaml(root, OTHER_TOKEN)}\naudit: { max_bytes: 1048576, keep: 1 }\n`,
  });
  target = {
    port: agent.port,
    token: agent.token,
    otherToken: OTHER_TOKEN,
    session: () => '',
    maxBodyBytes: FUZZ_MAX_BODY,
    postMortem: postMortemOf(agent),
  };
  const client = await connectClient(agent.url, agent.token);
  try {
    listedBefore = (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  removeDir(root);
});

describe('fuzzing the agent over HTTP', () => {
  it('has an argument arbitrary for every tool it lists', () => {
    const covered = Object.keys(agentToolArgs({ roots: [root] }));
    expect(listedBefore.length).toBeGreaterThan(0);
    for (const name of listedBefore) expect(covered).toContain(name);
  });

  it(
    'answers fuzzed JSON-RPC bodies with JSON-RPC responses or 4xx',
    async () => {
      const count = await fuzz('agent bodies', bodyCases({ session: false }), target, settings);
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it(
    'answers fuzzed methods, paths, headers and Content-Length lies with JSON-RPC responses or 4xx',
    async () => {
      const count = await fuzz('agent headers', headerCases({ session: false }), target, settings);
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it(
    'answers fuzzed tool arguments of every tool with JSON-RPC responses or 4xx',
    async () => {
      const args = agentToolArgs({ roots: [root] });
      const count = await fuzz(
        'agent tool arguments',
        toolCallCases({ session: false, args }),
        target,
        settings,
        { noInternalErrors: true },
      );
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it('is still alive afterwards, serves a normal call and logged no defect', async () => {
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectClient(agent.url, agent.token, era);
      try {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(listedBefore);
        const result = await client.callTool({
          name: 'exec',
          arguments: { argv: ['echo', 'still', 'alive'] },
        });
        expect(result.isError).toBeFalsy();
        expect(textOf(result as Parameters<typeof textOf>[0])).toBe('exit 0\nstill alive');
      } finally {
        await client.close();
      }
    }
    expect(stderrDefects(agent.stderr())).toEqual([]);
  });
});

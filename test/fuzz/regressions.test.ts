import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, startAgent } from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import { realTempDir, removeDir } from '../helpers/toolAssertions.js';
import { type FuzzCase, inEra } from './arbitraries.js';
import { confinedAgentYaml, prepareRoot } from './confinedDevice.js';
import { checkCase, postMortemOf, type Target } from './fuzzHarness.js';
import { goodHeaders, type HeaderList } from './headerArbitraries.js';
import { deep, FUZZ_MAX_BODY, message } from './jsonRpcArbitraries.js';

/**
 * The minimal counterexamples the fuzzers found, replayed on every run against both real
 * binaries with the fuzzers' own oracle, plus the status each must now get.
 */

const OTHER_TOKEN = `other-${Math.random().toString(36).slice(2)}`;
let agent: AgentHandle;
let hub: HubHandle;
let root: string;
const servers: Array<{ name: string; target: () => Target }> = [];

beforeAll(async () => {
  root = realTempDir('mcpf-fuzz-regress-');
  prepareRoot(root);
  agent = await startAgent({ config: confinedAgentYaml(root, OTHER_TOKEN) });
  hub = await startHub({
    config: `devices:\n  dev1: { url: "${agent.url}", token_env: TOKEN_DEV1 }\nmax_body_bytes: ${FUZZ_MAX_BODY}\n`,
    env: { TOKEN_DEV1: agent.token },
  });
  const target = (h: AgentHandle | HubHandle): Target => ({
    port: h.port,
    token: h.token,
    otherToken: OTHER_TOKEN,
    session: () => '',
    maxBodyBytes: FUZZ_MAX_BODY,
    postMortem: postMortemOf(h),
  });
  servers.push({ name: 'agent', target: () => target(agent) }, { name: 'hub', target: () => target(hub) });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await agent?.stop();
  removeDir(root);
});

/** A 2026-07-28 request (stateless on both servers, so no session is needed). */
function modernCase(method: string, params: Record<string, unknown>, headers?: HeaderList): FuzzCase {
  return {
    method: 'POST',
    path: '/mcp',
    headers: headers ?? goodHeaders('modern', method, undefined, false),
    body: { kind: 'json', value: inEra('modern', message(method, params, 1, true)) },
    framing: 'length',
    lie: 1,
  };
}

/** The status a case gets, after the fuzzers' oracle passed it (no 5xx, no hang, JSON-RPC or 4xx). */
async function statusOf(target: Target, c: FuzzCase): Promise<number> {
  return (await checkCase(target, c)).status;
}

describe.each(['agent', 'hub'])('fuzz regressions on the %s', (name) => {
  const target = () => {
    const found = servers.find((s) => s.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found.target();
  };

  it("closes a streamed answer's connection when the client sent Connection: close (it hung)", async () => {
    const legacy: FuzzCase = {
      ...modernCase('tools/list', {}),
      headers: goodHeaders('legacy', 'tools/list', undefined, false),
      body: { kind: 'json', value: { jsonrpc: '2.0', id: 1, method: 'tools/list' } },
    };
    // The hub wants a session for 2025-era requests; the agent streams its answer.
    expect(await statusOf(target(), legacy)).toBe(name === 'hub' ? 400 : 200);
    expect(await statusOf(target(), modernCase('tools/list', {}))).toBe(200);
  });

  it('answers TRACE with 405, not 500', async () => {
    expect(await statusOf(target(), { ...modernCase('ping', {}), method: 'TRACE' })).toBe(405);
  });

  it('answers a malformed Host (127.0.0.1:-1) with 400, not 500', async () => {
    const headers: HeaderList = [
      ...goodHeaders('modern', 'ping', undefined, false).filter(([n]) => n !== 'host'),
      ['host', '127.0.0.1:-1'],
    ];
    expect(await statusOf(target(), modernCase('ping', {}, headers))).toBe(400);
  });

  it('answers arguments nested 4,112 levels deep with 400 (a 500 on the hub, an unaudited error on the agent)', async () => {
    const tool = name === 'hub' ? 'fleet_service' : 'service';
    const c = modernCase('tools/call', { name: tool, arguments: { action: deep(4112, '{') } });
    expect(await statusOf(target(), c)).toBe(400);
  });
});

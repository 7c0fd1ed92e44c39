import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/agent/auth.js';
import { type AgentHandle, connectClient, freePort, startAgent } from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import { fleetByDevice, realTempDir, removeDir } from '../helpers/toolAssertions.js';
import { bodyCases, type FuzzCase, headerCases, toolCallCases } from './arbitraries.js';
import { encodeBody } from './bodyArbitraries.js';
import { confinedAgentYaml, confinedPolicyYaml, prepareRoot } from './confinedDevice.js';
import { fleetToolArgs } from './fleetArbitraries.js';
import {
  fuzz,
  fuzzSettings,
  postMortemOf,
  stderrDefects,
  type Target,
  testTimeoutFor,
} from './fuzzHarness.js';
import { goodHeaders } from './headerArbitraries.js';
import { FUZZ_MAX_BODY, message } from './jsonRpcArbitraries.js';
import { sendWire, type WireRequest, type WireResponse } from './rawHttp.js';

/**
 * Property-based fuzzing of the real hub binary's HTTP MCP front: bodies, headers and fleet
 * tool arguments, over a confined agent, a local device and a device that is down. Never a
 * 5xx, a hang or a crash; every answer a JSON-RPC response or a 4xx.
 */

const settings = fuzzSettings(3);
const ADMIN_TOKEN = `fuzz-admin-${Math.random().toString(36).slice(2)}`;
const VIEWER_TOKEN = `fuzz-viewer-${Math.random().toString(36).slice(2)}`;
const DEVICES = ['dev1', 'local1', 'ghost'] as const;

let agent: AgentHandle;
let hub: HubHandle;
let agentRoot: string;
let localRoot: string;
let target: Target;
let session = '';
let listedBefore: string[] = [];

/** Opens a 2025-era session as the admin principal, the way a client does (raw, to stay loopback-simple). */
async function openSession(): Promise<string> {
  const send = (body: Record<string, unknown>, sid: string | undefined) => {
    const headers = goodHeaders('legacy', String(body.method), undefined, false).map(
      ([n, v]) => [n, v.replaceAll('$TOKEN', ADMIN_TOKEN).replaceAll('$PORT', String(hub.port))] as const,
    );
    const request: WireRequest = {
      method: 'POST',
      path: '/mcp',
      headers: sid ? [...headers, ['mcp-session-id', sid]] : headers,
      body: encodeBody({ kind: 'json', value: body }),
      framing: 'length',
      lie: 1,
    };
    return sendWire(hub.port, request, 20_000);
  };
  const init = await send(
    message(
      'initialize',
      { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
      0,
      true,
    ),
    undefined,
  );
  const sid = init.headers['mcp-session-id'];
  if (init.status !== 200 || !sid)
    throw new Error(`initialize failed: ${init.status} ${init.body.toString()}`);
  const ack = await send(message('notifications/initialized', undefined, undefined, false), sid);
  if (ack.status !== 202) throw new Error(`initialized notification failed: ${ack.status}`);
  return sid;
}

/** A case that ended the session (DELETE, or eviction seen as 404) gets a fresh one for the next. */
async function renewSessionAfter(_c: FuzzCase, wire: WireRequest, res: WireResponse): Promise<void> {
  const named = wire.headers.some(([n, v]) => n.toLowerCase() === 'mcp-session-id' && v === session);
  if (!named) return;
  if (res.status === 404 || (wire.method === 'DELETE' && res.status >= 200 && res.status < 300)) {
    session = await openSession();
  }
}

beforeAll(async () => {
  agentRoot = realTempDir('mcpf-fuzz-hub-agent-');
  localRoot = realTempDir('mcpf-fuzz-hub-local-');
  prepareRoot(agentRoot);
  prepareRoot(localRoot);
  agent = await startAgent({ config: confinedAgentYaml(agentRoot, `unused-${Math.random()}`) });
  const ghostPort = await freePort(); // nothing listens there: a device that is down
  hub = await startHub({
    token: `hub-admin-${Math.random().toString(36).slice(2)}`,
    config: [
      'devices:',
      `  dev1: { url: "${agent.url}", token_env: TOKEN_DEV1, tags: [fuzz] }`,
      `  ghost: { url: "http://127.0.0.1:${ghostPort}/mcp", token_env: TOKEN_DEV1, tags: [down] }`,
      '  local1:',
      '    local: true',
      '    tags: [fuzz]',
      confinedPolicyYaml(localRoot, '    '),
      'groups: { fuzzers: [dev1, local1] }',
      'principals:',
      `  fuzzer: { token_sha256: ${hashToken(ADMIN_TOKEN)}, role: admin, rate_per_minute: 1000000 }`,
      `  watcher: { token_sha256: ${hashToken(VIEWER_TOKEN)}, role: viewer, targets: dev1, rate_per_minute: 1000000 }`,
      'fanout: { device_timeout_s: 8, deadline_s: 15 }',
      `max_body_bytes: ${FUZZ_MAX_BODY}`,
      'log: { level: warn }',
      'audit: { max_bytes: 1048576, keep: 1 }',
    ].join('\n'),
    env: { TOKEN_DEV1: agent.token },
  });
  session = await openSession();
  target = {
    port: hub.port,
    token: ADMIN_TOKEN,
    otherToken: VIEWER_TOKEN,
    session: () => session,
    maxBodyBytes: FUZZ_MAX_BODY,
    postMortem: postMortemOf(hub),
    afterCase: renewSessionAfter,
  };
  const client = await connectClient(hub.url, ADMIN_TOKEN);
  try {
    listedBefore = (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await agent?.stop();
  removeDir(agentRoot);
  removeDir(localRoot);
});

describe('fuzzing the hub over HTTP', () => {
  it('has an argument arbitrary for every tool it lists', () => {
    const covered = Object.keys(fleetToolArgs({ roots: [agentRoot, localRoot] }, DEVICES));
    expect(listedBefore.length).toBeGreaterThan(0);
    for (const name of listedBefore) expect(covered).toContain(name);
  });

  it(
    'answers fuzzed JSON-RPC bodies with JSON-RPC responses or 4xx',
    async () => {
      const count = await fuzz('hub bodies', bodyCases({ session: true }), target, settings);
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it(
    'answers fuzzed methods, paths, headers and Content-Length lies with JSON-RPC responses or 4xx',
    async () => {
      const count = await fuzz('hub headers', headerCases({ session: true }), target, settings);
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it(
    'answers fuzzed arguments of every fleet tool with JSON-RPC responses or 4xx',
    async () => {
      const args = fleetToolArgs({ roots: [agentRoot, localRoot] }, DEVICES);
      const count = await fuzz(
        'hub tool arguments',
        toolCallCases({ session: true, args }),
        target,
        settings,
        { noInternalErrors: true },
      );
      expect(count).toBeGreaterThanOrEqual(settings.runs);
    },
    testTimeoutFor(settings.runs),
  );

  it('is still alive afterwards, serves a normal fan-out and logged no defect', async () => {
    for (const server of [hub, agent]) {
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
    }
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectClient(hub.url, ADMIN_TOKEN, era);
      try {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(listedBefore);
        const result = await client.callTool({
          name: 'fleet_exec',
          arguments: { targets: 'group:fuzzers', argv: ['echo', 'still', 'alive'] },
        });
        const byDevice = fleetByDevice<{ stdout: string }>(result as Parameters<typeof fleetByDevice>[0]);
        for (const device of ['dev1', 'local1']) {
          expect(byDevice.get(device)?.ok).toBe(true);
          expect(byDevice.get(device)?.result?.stdout).toBe('still alive\n');
        }
      } finally {
        await client.close();
      }
    }
    expect(stderrDefects(hub.stderr())).toEqual([]);
    expect(stderrDefects(agent.stderr())).toEqual([]);
  });
});

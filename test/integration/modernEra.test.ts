import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, MODERN, modernHeaders, post, toolNames, type WireAnswer } from '../conformance/wire.js';
import { type AgentHandle, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, removeDir } from '../helpers/toolAssertions.js';

// The 2026-07-28 rules, as raw HTTP against the real agent and hub (with their bearer tokens),
// so each rule is visible on the wire. The official suite's prerelease checks most of them too
// (conformance.test.ts, `modern`); these run whatever that suite does.

const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

interface Target {
  url: string;
  token: string;
  serverName: string;
  /** A tool that needs no arguments. */
  tool: string;
}

let nextId = 1;
const request = (method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: nextId++,
  method,
  params,
});

/** The JSON-RPC error a refusal carries, after checking it is a 400 addressed to `id`. */
function refusal(answer: WireAnswer, id: unknown): { code: number; data?: Record<string, unknown> } {
  expect(answer.status).toBe(400);
  expect(answer.message.id).toBe(id);
  expect(answer.message.result).toBeUndefined();
  const error = answer.message.error;
  if (!error) throw new Error(`no JSON-RPC error in ${JSON.stringify(answer.message)}`);
  return error;
}

describe('the 2026-07-28 era on the wire, against the agent and the hub', () => {
  let agent: AgentHandle;
  let device: AgentHandle;
  let hub: HubHandle;
  const targets: Record<'agent' | 'hub', () => Target> = {
    agent: () => ({
      url: agent.url,
      token: agent.token,
      serverName: 'mcp-fleet-agent',
      tool: 'system_status',
    }),
    hub: () => ({ url: hub.url, token: hub.token, serverName: 'mcp-fleet-hub', tool: 'fleet_devices' }),
  };

  beforeAll(async () => {
    agent = await startAgent();
    device = await startAgent();
    const devices = agentDevices([{ name: 'box', agent: device }]);
    hub = await startHub({ config: devices.yaml, env: devices.env });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    removeDir(hub?.dir);
    await disposeAgent(agent);
    await disposeAgent(device);
  });

  describe.each(['agent', 'hub'] as const)('%s', (which) => {
    const t = () => targets[which]();
    const send = (body: unknown, headers: Record<string, string>) => post(t().url, body, headers, t().token);

    it('answers server/discover with no session: the versions it serves, capabilities, instructions, and its name in _meta', async () => {
      const body = request('server/discover', { _meta: envelope() });
      const answer = await send(body, modernHeaders('server/discover'));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('mcp-session-id')).toBeNull();
      expect(answer.message.id).toBe(body.id);
      const result = answer.message.result ?? {};
      expect(result.supportedVersions).toEqual([MODERN]);
      expect(result.capabilities).toMatchObject({ tools: {} });
      expect(typeof result.instructions).toBe('string');
      expect((result._meta as Record<string, { name?: string }>)[SERVER_INFO]?.name).toBe(t().serverName);
    });

    it('answers each request on its own: tools/list and tools/call with no session header, and ignores a stray one', async () => {
      const list = await send(request('tools/list', { _meta: envelope() }), modernHeaders('tools/list'));
      expect(list.status).toBe(200);
      expect(list.headers.get('mcp-session-id')).toBeNull();
      const names = toolNames(list);
      expect(names).toContain(t().tool);

      const call = await send(
        request('tools/call', { name: t().tool, arguments: {}, _meta: envelope() }),
        modernHeaders('tools/call', t().tool),
      );
      expect(call.status).toBe(200);
      expect(call.message.result?.isError).not.toBe(true);
      expect(call.message.result?.structuredContent).toBeTypeOf('object');

      // There are no sessions in this era: a made-up session id neither helps nor hurts.
      const stray = await send(request('tools/list', { _meta: envelope() }), {
        ...modernHeaders('tools/list'),
        'mcp-session-id': 'no-such-session',
      });
      expect(stray.status).toBe(200);
      expect(toolNames(stray)).toEqual(names);
    });

    it('still wants the bearer token: a modern request without it is 401 before any era rule', async () => {
      const answer = await post(
        t().url,
        request('tools/list', { _meta: envelope() }),
        modernHeaders('tools/list'),
      );
      expect(answer.status).toBe(401);
    });

    it('requires the per-request _meta envelope: without it, or without its protocol version or client capabilities, -32602', async () => {
      const bare = request('tools/list');
      expect(refusal(await send(bare, modernHeaders('tools/list')), bare.id).code).toBe(-32602);
      for (const missing of [PROTOCOL_VERSION, CLIENT_CAPABILITIES]) {
        const meta = envelope();
        delete meta[missing];
        const body = request('tools/list', { _meta: meta });
        const error = refusal(await send(body, modernHeaders('tools/list')), body.id);
        expect(error.code).toBe(-32602);
        // The data names the key (its exact shape is the SDK's).
        expect(JSON.stringify(error.data)).toContain(missing);
      }
      const malformed = request('tools/list', { _meta: envelope({ [PROTOCOL_VERSION]: 20260728 }) });
      expect(refusal(await send(malformed, modernHeaders('tools/list')), malformed.id).code).toBe(-32602);
    });

    it('serves a request whose envelope leaves out clientInfo (a SHOULD, not a MUST)', async () => {
      const meta = envelope();
      delete meta['io.modelcontextprotocol/clientInfo'];
      const answer = await send(request('tools/list', { _meta: meta }), modernHeaders('tools/list'));
      expect(answer.status).toBe(200);
      expect(answer.message.result?.tools).toBeInstanceOf(Array);
    });

    it('honours the envelope’s protocol version: one it does not serve is 400 -32022 naming the supported ones', async () => {
      for (const version of ['2099-01-01', '2025-11-25']) {
        const body = request('tools/list', { _meta: envelope({ [PROTOCOL_VERSION]: version }) });
        const headers = { ...modernHeaders('tools/list'), 'mcp-protocol-version': version };
        const error = refusal(await send(body, headers), body.id);
        expect(error.code).toBe(-32022);
        expect(error.data).toEqual({ supported: [MODERN], requested: version });
      }
    });

    it('checks MCP-Protocol-Version: missing, or disagreeing with the envelope, is 400 -32020 (HeaderMismatch)', async () => {
      const missing = request('tools/list', { _meta: envelope() });
      const error = refusal(await send(missing, { 'mcp-method': 'tools/list' }), missing.id);
      expect(error.code).toBe(-32020);
      expect(error.data).toMatchObject({ mismatch: { header: '(missing)' } });

      const other = request('tools/list', { _meta: envelope() });
      const headers = { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2025-11-25' };
      const mismatch = refusal(await send(other, headers), other.id);
      expect(mismatch.code).toBe(-32020);
      expect(mismatch.data).toMatchObject({ mismatch: { header: '2025-11-25' } });
    });

    it('refuses a header naming a revision it does not know, with no envelope, as 400 with a JSON-RPC error', async () => {
      const body = request('tools/list');
      expect(refusal(await send(body, { 'mcp-protocol-version': '2099-01-01' }), body.id).code).toBe(-32602);
    });

    it('checks Mcp-Method and Mcp-Name against the body (SEP-2243): absent or different is 400 -32020', async () => {
      const cases: Array<[string, Record<string, unknown>, Record<string, string>]> = [
        ['tools/list', {}, { 'mcp-protocol-version': MODERN }],
        ['tools/list', {}, modernHeaders('tools/call')],
        ['tools/call', { name: t().tool, arguments: {} }, modernHeaders('tools/call')],
        ['tools/call', { name: t().tool, arguments: {} }, modernHeaders('tools/call', 'exec')],
      ];
      for (const [method, params, headers] of cases) {
        const body = request(method, { ...params, _meta: envelope() });
        expect(refusal(await send(body, headers), body.id).code, JSON.stringify(headers)).toBe(-32020);
      }
    });

    it('answers the methods this era removed (ping, initialize) with 404 and -32601', async () => {
      for (const method of ['ping', 'initialize']) {
        const body = request(method, { _meta: envelope() });
        const answer = await send(body, modernHeaders(method));
        expect(answer.status).toBe(404);
        expect(answer.message.id).toBe(body.id);
        expect(answer.message.error?.code).toBe(-32601);
      }
    });

    it('answers resources/read of an unknown URI as the spec says: the hub -32602 with the URI (SEP-2164), the agent (no resources) -32601', async () => {
      const uri = 'test://no-such-resource';
      const body = request('resources/read', { uri, _meta: envelope() });
      const answer = await send(body, { ...modernHeaders('resources/read'), 'mcp-name': uri });
      expect(answer.message.id).toBe(body.id);
      if (which === 'hub') {
        expect(answer.message.error).toMatchObject({ code: -32602, data: { uri } });
      } else {
        expect(answer.status).toBe(404);
        expect(answer.message.error?.code).toBe(-32601);
      }
    });

    it('still serves a 2025-era client on the same endpoint: initialize, then tools/list', async () => {
      const init = request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'legacy-client', version: '1.0.0' },
      });
      const answer = await send(init, {});
      expect(answer.status).toBe(200);
      expect(answer.message.result?.protocolVersion).toBe('2025-11-25');
      expect(answer.message.result?.serverInfo).toMatchObject({ name: t().serverName });

      // The agent serves this era statelessly; the hub keeps a session (for list_changed).
      const session = answer.headers.get('mcp-session-id');
      if (which === 'hub') expect(session).toBeTruthy();
      else expect(session).toBeNull();
      const headers: Record<string, string> = { 'mcp-protocol-version': '2025-11-25' };
      if (session) headers['mcp-session-id'] = session;
      const initialized = await send({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      expect(initialized.status).toBe(202);
      const list = request('tools/list');
      const tools = await send(list, headers);
      expect(tools.status).toBe(200);
      expect(tools.message.id).toBe(list.id);
      expect(toolNames(tools)).toContain(t().tool);
    });
  });
});

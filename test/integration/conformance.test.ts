import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NODE_SPEC,
  npxArgs,
  runConformance,
  SUITES,
  type SuiteName,
} from '../conformance/conformanceRunner.js';
import { expectedFor, judge, loadExpectedFailures, type Target } from '../conformance/expectedFailures.js';
import { envelope, modernHeaders, post } from '../conformance/wire.js';
import { type AgentHandle, startAgent, tempDir } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import { disposeAgent, removeDir, waitUntil } from '../helpers/toolAssertions.js';

const HERE = resolve(import.meta.dirname, '../conformance');
const EXPECTED = resolve(HERE, 'expected-failures.yml');
const FIXTURE = resolve(HERE, 'jsonSchemaServer.mjs');
/** The first run may download Node 22 and the CLI (prereqs.sh normally fetched them already). */
const RUN_TIMEOUT_MS = 240_000;

/** The tool of the json-schema-2020-12 scenario, as the fixture server behind the hub lists it. */
const SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
  },
  properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
  additionalProperties: false,
};

// The suite's CLI cannot send a bearer token, so the servers under test run with --insecure
// (no auth at all; loopback only). Auth is not what it tests: Host/Origin checks, which
// dns-rebinding-protection does test, come before auth and are the same either way.
describe('official MCP conformance suite (@modelcontextprotocol/conformance)', () => {
  const file = loadExpectedFailures(EXPECTED);
  const dirs: string[] = [];
  let agent: AgentHandle;
  let device: AgentHandle;
  let hub: HubHandle;
  const urlOf = (target: Target) => (target === 'agent' ? agent.url : hub.url);

  beforeAll(async () => {
    agent = await startAgent({ args: ['--insecure'], env: { MCP_FLEET_TOKEN: '' } });
    device = await startAgent();
    const devices = agentDevices([{ name: 'box', agent: device }]);
    hub = await startHub({
      config: `${devices.yaml}
servers:
  fx: { command: "${process.execPath}", args: ["${FIXTURE}"] }
`,
      env: { ...devices.env, MCP_FLEET_TOKEN: '' },
      args: ['--insecure'],
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    removeDir(hub?.dir);
    await disposeAgent(agent);
    await disposeAgent(device);
    for (const dir of dirs) removeDir(dir);
  });

  it(
    `runs the CLI under Node 22 from the npm registry (${NODE_SPEC}) while the project runs on Node ${process.versions.node}`,
    () => {
      const cwd = tempDir('mcpf-conf-');
      dirs.push(cwd);
      const run = spawnSync('npx', npxArgs(SUITES.stable.pkg, ['node', '--version']), {
        encoding: 'utf8',
        timeout: RUN_TIMEOUT_MS,
        cwd,
      });
      expect(run.error, run.stderr).toBeUndefined();
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toMatch(/^v22\./);
    },
    RUN_TIMEOUT_MS + 10_000,
  );

  for (const suite of Object.keys(SUITES) as SuiteName[]) {
    for (const target of ['agent', 'hub'] as const) {
      it(
        `${suite} (${SUITES[suite].pkg}): the ${target} fails only the listed scenarios, and still fails each of them`,
        async () => {
          const spec = SUITES[suite];
          const expected = expectedFor(file, suite, target);
          const dir = tempDir('mcpf-conf-');
          dirs.push(dir);
          const run = await runConformance({
            suite: spec,
            url: urlOf(target),
            dir,
            // The stable CLI judges the same baseline itself: its exit code must agree with ours.
            ...(suite === 'stable' ? { baseline: [...expected.keys()] } : {}),
            timeoutMs: RUN_TIMEOUT_MS,
          });
          const output = `${run.stdout}\n${run.stderr}`;
          if (run.announced === undefined) {
            throw new Error(`the conformance CLI did not run (npx exit ${run.code}):\n${output}`);
          }
          // Every scenario it announced wrote its results (none crashed without a verdict).
          expect(run.results.size, output).toBe(run.announced);
          for (const scenario of spec.required) expect([...run.results.keys()]).toContain(scenario);

          // unexpected: failing, and not in expected-failures.yml; stale: listed, but not failing so.
          expect(judge(run.results, expected)).toEqual({ unexpected: [], stale: [] });
          if (suite === 'stable') expect(run.code, output).toBe(0);
          else expect([0, 1], output).toContain(run.code);
        },
        RUN_TIMEOUT_MS + 10_000,
      );
    }
  }

  // What json-schema-2020-12 checks, where it can apply to us: the hub relays a third-party
  // tool's inputSchema without dropping 2020-12 keywords ($schema, $defs, $ref,
  // additionalProperties), in both eras.
  it('the hub keeps the JSON Schema 2020-12 keywords of a third-party tool, in both eras', async () => {
    const name = 'fx__json_schema_2020_12_tool';
    const modernTools = async () => {
      const answer = await post(hub.url, listTools(envelope()), modernHeaders('tools/list'));
      return (answer.message.result?.tools ?? []) as Array<{ name: string; inputSchema: unknown }>;
    };
    expect(await waitUntil(async () => (await modernTools()).some((t) => t.name === name), 20_000)).toBe(
      true,
    );
    expect((await modernTools()).find((t) => t.name === name)?.inputSchema).toEqual(SCHEMA_2020_12);

    const init = await post(hub.url, initialize(), {});
    const session = init.headers.get('mcp-session-id') ?? '';
    expect(session).not.toBe('');
    const sessionHeaders = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const initialized = await post(
      hub.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      sessionHeaders,
    );
    expect(initialized.status).toBe(202);
    const legacy = await post(hub.url, listTools(), sessionHeaders);
    const tools = (legacy.message.result?.tools ?? []) as Array<{ name: string; inputSchema: unknown }>;
    expect(tools.find((t) => t.name === name)?.inputSchema).toEqual(SCHEMA_2020_12);
  });

  it('prereqs.sh pre-fetches the pinned packages', () => {
    const prereqs = readFileSync(resolve(HERE, '../prereqs.sh'), 'utf8');
    expect(prereqs).toContain(NODE_SPEC);
    for (const spec of Object.values(SUITES)) expect(prereqs).toContain(spec.pkg);
  });
});

function listTools(meta?: Record<string, unknown>) {
  return { jsonrpc: '2.0', id: 2, method: 'tools/list', params: meta ? { _meta: meta } : {} };
}

function initialize() {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'mcp-fleet-conformance-test', version: '1.0.0' },
    },
  };
}

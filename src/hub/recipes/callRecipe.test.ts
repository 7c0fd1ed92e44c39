import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../audit/index.js';
import { createToolCatalog, type ToolCallResult } from '../../tools/index.js';
import type { EndpointCallOptions } from '../endpoints/index.js';
import type { Fleet } from '../fleet.js';
import type { Principal } from '../fleetCall.js';
import { FleetConfigSchema } from '../inventory/index.js';
import type { LoadedRecipe } from './loadRecipes.js';
import { callRecipe, createRecipeTools } from './recipeTools.js';
import { RecipeSchema } from './schema.js';

const tools = createToolCatalog().tools;
const recipe = RecipeSchema.parse({
  description: 'two steps',
  targets: 'all',
  steps: [{ exec: ['first'], timeout_s: 60 }, { exec: ['second'] }],
});
const def = createRecipeTools(
  new Map<string, LoadedRecipe>([['two', { name: 'two', recipe, source: 'fleet.yaml' }]]),
  tools,
).get('recipe_two');
if (!def) throw new Error('no recipe tool');

const ok: ToolCallResult = {
  content: [{ type: 'text', text: 'exit 0' }],
  structuredContent: {
    exit_code: 0,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    timed_out: false,
  },
};
const admin: Principal = { name: 'ops', role: 'admin', targets: 'all', ratePerMinute: 600, servers: 'all' };

/** A fleet of two devices whose endpoints run `answer` for every call, recording each. */
function fakeFleet(
  answer: (device: string, argv: unknown, options: EndpointCallOptions) => Promise<ToolCallResult>,
) {
  const calls: Array<{ device: string; args: Record<string, unknown>; timeoutMs: number }> = [];
  const names = ['a', 'b'];
  const fleet = {
    universe: () => ({ devices: names.map((name) => ({ name, tags: [] })), groups: {} }),
    device: (name: string) => (names.includes(name) ? { name, tags: [], source: 'config' } : undefined),
    endpoint: (device: string) => ({
      device,
      callTool: (_tool: string, args: Record<string, unknown>, options: EndpointCallOptions) => {
        calls.push({ device, args, timeoutMs: options.timeoutMs });
        return answer(device, args.argv, options);
      },
    }),
    health: { gate: () => undefined, record: () => {} },
  } as unknown as Fleet;
  return { fleet, calls };
}

function deps(fleet: Fleet, audit: AuditEntry[]) {
  const config = FleetConfigSchema.parse({ fanout: { device_timeout_s: 10, deadline_s: 60 } });
  return { fleet, config: () => config, audit: { record: async (e: AuditEntry) => void audit.push(e) } };
}

describe('callRecipe', () => {
  it('runs the steps on every device with per-step budgets, and audits each device’s outcome', async () => {
    const { fleet, calls } = fakeFleet(async (device, argv) =>
      device === 'b' && (argv as string[])[0] === 'second'
        ? { ...ok, structuredContent: { ...ok.structuredContent, exit_code: 1 } }
        : ok,
    );
    const audit: AuditEntry[] = [];
    const signal = new AbortController().signal;
    const result = await callRecipe(def, {}, { principal: admin, signal }, deps(fleet, audit));
    const structured = result.structuredContent as {
      summary: string;
      results: Array<{ device: string; ok: boolean }>;
    };
    expect(structured.summary).toBe('1 ok, 1 failed');
    expect(structured.results.map((r) => [r.device, r.ok])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const onA = calls.filter((c) => c.device === 'a');
    // A step asking for 60 s gets that plus time to answer; one asking nothing gets the device's
    // timeout, and its exec a timeout just under it, so the agent kills the command first.
    expect(onA.map((c) => c.timeoutMs)).toEqual([65_000, 10_000]);
    expect(onA.map((c) => c.args.timeout_s)).toEqual([60, 9]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tool: 'recipe_two', principal: 'ops', targets: 'all', outcome: 'ok' });
    expect(audit[0]?.devices).toEqual({ a: 'ok', b: 'EXEC_FAILED' });
  });

  it('starts no further step once the client cancels', async () => {
    const controller = new AbortController();
    let release: (result: ToolCallResult) => void = () => {};
    const { fleet, calls } = fakeFleet(
      () =>
        new Promise((resolve) => {
          release = resolve;
          controller.abort(); // the client cancels while the first step runs
        }),
    );
    const audit: AuditEntry[] = [];
    const result = await callRecipe(
      def,
      { targets: 'a' },
      { principal: admin, signal: controller.signal },
      deps(fleet, audit),
    );
    const [entry] = (result.structuredContent as { results: Array<{ error?: { code: string } }> }).results;
    expect(entry?.error?.code).toBe('CANCELLED');
    // The first step answers late (a command that ignored the cancel); the run must stop there.
    release(ok);
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.args.argv)).toEqual([['first']]);
  });

  it('refuses a viewer an exec recipe before any device is called', async () => {
    const { fleet, calls } = fakeFleet(async () => ok);
    const audit: AuditEntry[] = [];
    const viewer: Principal = { ...admin, name: 'v', role: 'viewer' };
    const result = await callRecipe(
      def,
      {},
      { principal: viewer, signal: new AbortController().signal },
      deps(fleet, audit),
    );
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^POLICY_DENIED: .*\(rule role\.viewer\)$/);
    expect(calls).toHaveLength(0);
    expect(audit[0]).toMatchObject({ outcome: 'denied', rule: 'role.viewer' });
  });
});

import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent, tempDir } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  errorCodeOf,
  fleetEntries,
  readAudit,
  removeDir,
  ruleOf,
  structuredOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const VIEWER = 'viewer-token-recipes-0123456789';
const OPERATOR = 'operator-token-recipes-0123456789';

interface Step {
  step: number;
  tool: string;
  status: 'ok' | 'failed' | 'skipped';
  ok: boolean;
  exit_code?: number | null;
  output?: string;
  error?: { code: string; message: string };
  reason?: string;
}
const entries = (r: Parameters<typeof structuredOf>[0]) => fleetEntries<{ steps: Step[] }>(r);

/** The recipe file the hub includes; `node -e` prints its own argv, so a test sees each element. */
function recipes(dir: string, extra = ''): string {
  const node = JSON.stringify(process.execPath);
  const printArgs = JSON.stringify('console.log(JSON.stringify(process.argv.slice(1)))');
  return `recipes:
  show-args:
    description: Print the arguments a command receives
    targets: "tag:web"
    params:
      msg: { type: string, description: "any text" }
      name: { type: string, pattern: "^[a-z]+$", default: plain }
    steps:
      - exec: [${node}, "-e", ${printArgs}, "{msg}", "--name={name}", "{{braces}}"]
  fail-fast:
    description: A failing middle step stops the last one
    params:
      marker: { type: string, pattern: "^[a-z]+$" }
    steps:
      - exec: ["echo", "first"]
      - exec: ["sh", "-c", "echo broken >&2; exit 3"]
      - exec: ["touch", "${dir}/{marker}"]
  guarded:
    description: Runs only with valid input
    params:
      marker: { type: string, pattern: "^[a-z]+$" }
      ref: { type: string }
    steps:
      - exec: ["touch", "${dir}/{marker}"]
      - exec: ["echo", "{ref}"]
  dev-session:
    description: A long-running process in tmux, then its screen
    params:
      session: { type: string, pattern: "^[a-z0-9-]+$" }
      lines: { type: integer, minimum: 1, maximum: 50, default: 5 }
    steps:
      - tool: tmux
        args: { action: ensure, session: "{session}", command: "echo started-in-tmux; sleep 600" }
      - tool: tmux
        args: { action: capture, session: "{session}", lines: "{lines}" }
  sessions:
    description: List the mcp- tmux sessions (read-only)
    steps:
      - tool: tmux
        args: { action: list }
${extra}`;
}

describe('hub recipes over real agents', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let dir: string;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    const [a1, a2] = agents as [AgentHandle, AgentHandle];
    const devices = agentDevices([
      { name: 'web-1', agent: a1, tags: ['web'] },
      { name: 'web-2', agent: a2, tags: ['web'] },
    ]);
    dir = tempDir('mcpf-recipes-');
    writeFileSync(join(dir, 'recipes.yaml'), recipes(dir));
    hub = await startHub({
      dir,
      config: `${devices.yaml}
recipe_files: [recipes.yaml]
principals:
  watcher: { token_sha256: "${sha(VIEWER)}", role: viewer }
  laptop: { token_sha256: "${sha(OPERATOR)}", role: operator, targets: "web-1" }
fanout: { device_timeout_s: 10, deadline_s: 30 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
    removeDir(dir);
  });

  it('lists each recipe as a tool with its parameters’ schema', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const tools = (await client.listTools()).tools;
      const show = tools.find((t) => t.name === 'recipe_show-args');
      expect(show?.description).toMatch(/^Print the arguments a command receives/);
      expect(show?.inputSchema).toMatchObject({
        type: 'object',
        properties: {
          targets: { type: 'string', default: 'tag:web' },
          msg: { type: 'string', description: 'any text' },
          name: { type: 'string', default: 'plain' },
        },
        required: ['msg'],
        additionalProperties: false,
      });
      expect(show?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(tools.find((t) => t.name === 'recipe_sessions')?.annotations?.readOnlyHint).toBe(true);
      expect(tools.find((t) => t.name === 'recipe_fail-fast')?.inputSchema.required).toEqual([
        'targets',
        'marker',
      ]);
    } finally {
      await client.close();
    }
  });

  it('substitutes each value into one argv element: shell syntax in a value runs nothing', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    const pwned = join(dir, 'pwned');
    try {
      const msg = `a; touch ${pwned} $(touch ${pwned}) \`touch ${pwned}\` "q" {name}`;
      const result = await client.callTool({ name: 'recipe_show-args', arguments: { msg } });
      const got = entries(result);
      expect(got.map((e) => e.device)).toEqual(['web-1', 'web-2']);
      for (const e of got) {
        expect(e.ok).toBe(true);
        const [step] = e.result?.steps ?? [];
        expect(step).toMatchObject({ step: 1, tool: 'exec', status: 'ok', ok: true, exit_code: 0 });
        expect(JSON.parse(step?.output ?? '')).toEqual([msg, '--name=plain', '{braces}']);
      }
      expect(existsSync(pwned)).toBe(false);
      // Identical device results are grouped in the text, as for the fleet tools.
      expect(textOf(result).split('\n')[0]).toBe('2 ok');
      expect(textOf(result)).toContain('== 2 devices ==');
    } finally {
      await client.close();
    }
  });

  it('refuses a leading dash or a pattern mismatch by name, and runs nothing', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    try {
      const dash = await client.callTool({
        name: 'recipe_guarded',
        arguments: { targets: 'all', marker: 'dashran', ref: '--upload-pack=touch /tmp/x' },
      });
      expect(errorCodeOf(dash)).toBe('INVALID_ARGUMENT');
      expect(textOf(dash)).toMatch(/ref: may not start with "-"/);
      const pattern = await client.callTool({
        name: 'recipe_guarded',
        arguments: { targets: 'all', marker: '../etc', ref: 'main' },
      });
      expect(errorCodeOf(pattern)).toBe('INVALID_ARGUMENT');
      expect(textOf(pattern)).toMatch(/marker: must match the pattern/);
      const newline = await client.callTool({
        name: 'recipe_guarded',
        arguments: { targets: 'all', marker: 'nlran', ref: 'a\nb' },
      });
      expect(textOf(newline)).toMatch(/ref: may not contain control characters/);
      expect(existsSync(join(dir, 'dashran'))).toBe(false);
      expect(existsSync(join(dir, 'nlran'))).toBe(false);
      const good = await client.callTool({
        name: 'recipe_guarded',
        arguments: { targets: 'web-1', marker: 'goodran', ref: 'main' },
      });
      expect(entries(good)[0]?.ok).toBe(true);
      expect(existsSync(join(dir, 'goodran'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('stops a device at its first failing step and reports later steps as skipped', async () => {
    const client = await connectClient(hub.url, hub.token, 'legacy');
    try {
      const result = await client.callTool({
        name: 'recipe_fail-fast',
        arguments: { targets: 'web-1', marker: 'neverrun' },
      });
      const [entry] = entries(result);
      expect(entry?.ok).toBe(false);
      expect(entry?.error).toEqual({ code: 'EXEC_FAILED', message: 'step 2 of 3 (exec) failed' });
      const steps = entry?.result?.steps ?? [];
      expect(steps.map((s) => s.status)).toEqual(['ok', 'failed', 'skipped']);
      expect(steps[1]).toMatchObject({
        exit_code: 3,
        output: '[stderr]\nbroken',
        error: { message: 'exit 3' },
      });
      expect(steps[2]?.reason).toBe('step 2 failed');
      expect(existsSync(join(dir, 'neverrun'))).toBe(false);
      expect(structuredOf(result).summary).toBe('1 failed');
      expect(textOf(result)).toContain('[2] exec sh -c "echo broken >&2; exit 3": EXEC_FAILED: exit 3');
    } finally {
      await client.close();
    }
    const find = () => readAudit(hub.auditPath).find((l) => l.tool === 'recipe_fail-fast');
    await waitUntil(() => find() !== undefined, 5000);
    expect(find()?.devices).toEqual({ 'web-1': 'EXEC_FAILED' });
    expect(find()?.principal).toBe('token');
  });

  it('runs agent tools as steps: a process kept in tmux, then its screen', async () => {
    const client = await connectClient(hub.url, hub.token, 'modern');
    const session = `rcp-${process.pid}-${Date.now().toString(36)}`;
    try {
      const run = () =>
        client.callTool({ name: 'recipe_dev-session', arguments: { targets: 'web-1', session, lines: 10 } });
      const first = entries(await run())[0];
      expect(first?.ok).toBe(true);
      expect(first?.result?.steps.map((s) => [s.tool, s.status])).toEqual([
        ['tmux', 'ok'],
        ['tmux', 'ok'],
      ]);
      expect(first?.result?.steps[0]?.output).toBe(`mcp-${session}: created`);
      let screen = '';
      await waitUntil(async () => {
        screen = entries(await run())[0]?.result?.steps[1]?.output ?? '';
        return screen.includes('started-in-tmux');
      }, 10_000);
      expect(screen).toContain('started-in-tmux');
      const again = entries(await run())[0];
      expect(again?.result?.steps[0]?.output).toBe(`mcp-${session}: already running`);
    } finally {
      await client.callTool({ name: 'fleet_tmux', arguments: { targets: 'web-1', action: 'kill', session } });
      await client.close();
    }
  });

  it('bounds a recipe by the principal: a viewer cannot run an exec recipe, an operator only its targets', async () => {
    const viewer = await connectClient(hub.url, VIEWER, 'modern');
    try {
      const names = (await viewer.listTools()).tools.map((t) => t.name);
      expect(names).toContain('recipe_sessions');
      expect(names).not.toContain('recipe_show-args');
      const denied = await viewer.callTool({ name: 'recipe_show-args', arguments: { msg: 'x' } });
      expect(errorCodeOf(denied)).toBe('POLICY_DENIED');
      expect(ruleOf(denied)).toBe('role.viewer');
      const listed = await viewer.callTool({ name: 'recipe_sessions', arguments: { targets: 'web-2' } });
      expect(entries(listed)[0]?.ok).toBe(true);
    } finally {
      await viewer.close();
    }
    const operator = await connectClient(hub.url, OPERATOR, 'modern');
    try {
      const result = await operator.callTool({ name: 'recipe_show-args', arguments: { msg: 'op' } });
      const got = new Map(entries(result).map((e) => [e.device, e]));
      expect(got.get('web-1')?.ok).toBe(true);
      expect(got.get('web-2')?.error?.code).toBe('POLICY_DENIED');
    } finally {
      await operator.close();
    }
  });

  it('reloads when a recipe file changes, and tells clients the tool list changed', async () => {
    const client = await connectClient(hub.url, hub.token, 'legacy');
    try {
      let heard = 0;
      client.setNotificationHandler('notifications/tools/list_changed', async () => {
        heard++;
      });
      const names = async () => (await client.listTools()).tools.map((t) => t.name);
      expect(await names()).not.toContain('recipe_added');
      const added = `  added:
    description: Added by a reload
    steps:
      - exec: ["echo", "new"]
`;
      writeFileSync(join(dir, 'recipes.yaml'), recipes(dir, added));
      expect(await waitUntil(async () => (await names()).includes('recipe_added'), 10_000)).toBe(true);
      expect(await waitUntil(() => heard > 0, 10_000)).toBe(true);
      const result = await client.callTool({ name: 'recipe_added', arguments: { targets: 'web-2' } });
      expect(entries(result)[0]?.result?.steps[0]?.output).toBe('new');
      // An invalid edit is refused; the recipes in force stay.
      writeFileSync(
        join(dir, 'recipes.yaml'),
        `${recipes(dir, added)}  broken: { description: d, steps: [] }\n`,
      );
      await waitUntil(() => hub.stderr().includes('reload refused'), 10_000);
      expect(hub.stderr()).toMatch(/recipes\.yaml:\d+:\d+: recipes\.broken\.steps/);
      expect(await names()).toContain('recipe_added');
    } finally {
      await client.close();
    }
  });
});

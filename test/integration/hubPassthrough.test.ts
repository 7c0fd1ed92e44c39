import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../helpers/agentProcess.js';
import { type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  errorCodeOf,
  readAudit,
  realTempDir,
  removeDir,
  ruleOf,
  textOf,
  waitUntil,
} from '../helpers/toolAssertions.js';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const VIEWER = 'passthrough-viewer-token';
const FENCED = 'passthrough-fenced-operator-token';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** Pids whose command line mentions `marker` (a unique temp dir passed as an argument). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('third-party MCP servers behind the hub', () => {
  let hub: HubHandle;
  let root: string;

  beforeAll(async () => {
    root = realTempDir();
    writeFileSync(join(root, 'hello.txt'), 'hello through the hub\n');
    hub = await startHub({
      config: `devices: {}
servers:
  ev: { command: "${process.execPath}", args: ["${EVERYTHING}", "stdio"] }
  fs: { command: "${process.execPath}", args: ["${FILESYSTEM}", "${root}"], tools: { exclude: [write_file] } }
principals:
  watcher: { token_sha256: "${sha(VIEWER)}", role: viewer }
  fenced: { token_sha256: "${sha(FENCED)}", role: operator, targets: "pi-*" }
`,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    removeDir(root);
  });

  const toolNames = async (token: string, era: 'legacy' | 'modern') => {
    const client = await connectClient(hub.url, token, era);
    try {
      return (await client.listTools()).tools.map((t) => t.name);
    } finally {
      await client.close();
    }
  };

  it('lists the servers’ tools as <server>__<tool> beside the fleet tools, with the exclude list applied', async () => {
    expect(
      await waitUntil(async () => (await toolNames(hub.token, 'modern')).includes('ev__echo'), 20_000),
    ).toBe(true);
    expect(
      await waitUntil(
        async () => (await toolNames(hub.token, 'modern')).includes('fs__read_text_file'),
        20_000,
      ),
    ).toBe(true);
    const names = await toolNames(hub.token, 'legacy');
    expect(names).toContain('fleet_exec');
    expect(names).toContain('ev__echo');
    expect(names).not.toContain('fs__write_file');
    expect(names.every((n) => /^[A-Za-z0-9_.-]{1,128}$/.test(n))).toBe(true);
  });

  it('calls a passed-through tool, reads a resource and gets a prompt', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectClient(hub.url, hub.token, era);
      try {
        const echo = await client.callTool({ name: 'ev__echo', arguments: { message: `hi-${era}` } });
        expect(echo.isError).toBeFalsy();
        expect(textOf(echo)).toContain(`hi-${era}`);
        const file = await client.callTool({
          name: 'fs__read_text_file',
          arguments: { path: join(root, 'hello.txt') },
        });
        expect(textOf(file)).toContain('hello through the hub');
        const excluded = await client
          .callTool({ name: 'fs__write_file', arguments: { path: join(root, 'x'), content: 'x' } })
          .then(
            () => 'answered',
            (error: Error) => error.message,
          );
        expect(excluded).toMatch(/Unknown tool/);

        const resources = (await client.listResources()).resources;
        expect(resources.length).toBeGreaterThan(0);
        const first = resources[0];
        const read = await client.readResource({ uri: first?.uri ?? '' });
        expect(read.contents[0]?.uri).toBe(first?.uri);

        const prompts = (await client.listPrompts()).prompts;
        const simple = prompts.find(
          (p) => p.name.startsWith('ev__') && !(p.arguments ?? []).some((a) => a.required),
        );
        expect(simple).toBeDefined();
        const got = await client.getPrompt({ name: simple?.name ?? '' });
        expect(got.messages.length).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    }
    const find = () => readAudit(hub.auditPath).find((l) => l.tool === 'ev__echo');
    await waitUntil(() => find() !== undefined, 5000);
    expect(find()?.outcome).toBe('ok');
  }, 30_000);

  it('a viewer sees only the servers’ read-only tools and may not call the others', async () => {
    const names = await toolNames(VIEWER, 'modern');
    expect(names).toContain('fs__read_text_file'); // annotated readOnlyHint by the filesystem server
    expect(names).not.toContain('fs__create_directory');
    const client = await connectClient(hub.url, VIEWER, 'modern');
    try {
      const refused = await client.callTool({
        name: 'fs__create_directory',
        arguments: { path: join(root, 'd') },
      });
      expect(errorCodeOf(refused)).toBe('POLICY_DENIED');
      expect(ruleOf(refused)).toBe('role.viewer');
    } finally {
      await client.close();
    }
  });

  it('an operator limited to some devices gets no server unless its servers list names one', async () => {
    const names = await toolNames(FENCED, 'legacy');
    expect(names).toContain('fleet_exec');
    expect(names.some((n) => n.includes('__'))).toBe(false);
    const client = await connectClient(hub.url, FENCED, 'legacy');
    try {
      const refused = await client.callTool({ name: 'ev__echo', arguments: { message: 'x' } });
      expect(errorCodeOf(refused)).toBe('POLICY_DENIED');
      expect(ruleOf(refused)).toBe('principal.servers');
      expect((await client.listResources()).resources).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('stops the servers it started, whole process groups, when it stops', async () => {
    expect(processesWith(root).length).toBeGreaterThan(0);
    await hub.stop();
    expect(await waitUntil(() => processesWith(root).length === 0, 5000)).toBe(true);
  });
});

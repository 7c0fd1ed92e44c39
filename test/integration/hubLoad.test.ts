/**
 * Load through the hub: 100 concurrent MCP clients (half of each protocol era), each its own
 * principal with the default rate limit, make 200 calls each one after another, 20,000 in all,
 * and not one may fail: every result is checked for what it must hold, the hub's audit gains
 * exactly one line per call, and the rate limiter refuses nothing. Throughput is printed for
 * information only; nothing here asserts a duration.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, type Era, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  fleetEntries,
  readAudit,
  realTempDir,
  removeDir,
  structuredOf,
  textOf,
  waitFor,
} from '../helpers/toolAssertions.js';

const CLIENTS = 100;
const CALLS_EACH = 200;
const DEVICES = ['load-0', 'load-1', 'load-2'] as const;
/**
 * Each client's default limit is 600 calls a minute, so 200 calls never meet it, whatever the
 * machine's speed: a refusal would be a limiter bug (counting one principal's calls against
 * another), not load.
 */
const principalName = (client: number) => `client-${client}`;
const tokenOf = (client: number) => `load-token-${client}-0123456789abcdef`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One planned call: what to send, and what its result must hold (a problem, or undefined). */
interface PlannedCall {
  tool: string;
  args: Record<string, unknown>;
  check(result: CallToolResult): string | undefined;
}

/** The one device entry of a single-device fleet call, checked to be that device and ok. */
function onlyEntry(result: CallToolResult, device: string) {
  const entries = fleetEntries(result);
  const [entry] = entries;
  if (entries.length !== 1 || entry?.device !== device)
    return { problem: `entries ${JSON.stringify(entries)}` };
  if (!entry.ok) return { problem: `${device}: ${entry.error?.code}: ${entry.error?.message}` };
  return { result: entry.result ?? {} };
}

describe('100 concurrent clients × 200 calls through the hub', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;
  let dir: string;

  beforeAll(async () => {
    dir = realTempDir('mcpf-load-');
    for (const [index, device] of DEVICES.entries()) {
      writeFileSync(join(dir, `${device}.txt`), `file of ${device}\n`);
      // An agent refuses calls past its max_concurrent (8 by default): with 100 clients sharing
      // three devices that limit, not the hub, would fail calls. Raised, so the hub is measured.
      agents[index] = await startAgent({ config: 'policy:\n  limits:\n    max_concurrent: 256\n' });
    }
    const devices = agentDevices(
      DEVICES.map((name, index) => ({ name, agent: agents[index] as AgentHandle })),
    );
    const principals = Array.from(
      { length: CLIENTS },
      (_, i) => `  ${principalName(i)}: { token_sha256: "${sha256(tokenOf(i))}", role: operator }`,
    );
    hub = await startHub({
      // 20,000 audit lines are ~8 MiB; the limit is raised so the file is not rotated mid-test
      // and every line can be counted in one file.
      config: `${devices.yaml}
principals:
${principals.join('\n')}
fanout: { device_timeout_s: 60, deadline_s: 90 }
audit: { max_bytes: 268435456 }
`,
      env: devices.env,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const agent of agents) await disposeAgent(agent);
    removeDir(dir);
  });

  /**
   * The mix, per client: mostly `fleet_devices`, which the hub answers from its inventory but
   * only after the whole pipeline (auth, rate limit, role check, target resolution, audit);
   * one call in 10 reads a small file on one device, one in 20 runs `true` on one device and
   * one in 50 asks for one device's status, so the hub's upstream path (its connection to the
   * agent, the agent's own pipeline) is loaded too. Every call through the hub costs a few ms
   * of CPU on each side; an agent call costs more, and `fleet_exec` spawns a process (the
   * benchmark measured ~80 a second on two cores), so 20,000 of those would take minutes. With
   * this mix the calls took 50-60 s on a two-core machine busy with other tests (~400 calls/s).
   */
  function plan(client: number, k: number): PlannedCall {
    const device = DEVICES[(client + k) % DEVICES.length] as string;
    if (k % 20 === 7) {
      return {
        tool: 'fleet_exec',
        args: { targets: device, argv: ['true'] },
        check(r) {
          const { problem, result } = onlyEntry(r, device);
          if (problem) return problem;
          return result?.exit_code === 0 && result.stdout === ''
            ? undefined
            : `exec ${JSON.stringify(result)}`;
        },
      };
    }
    if (k % 10 === 3) {
      const path = join(dir, `${device}.txt`);
      return {
        tool: 'fleet_read_file',
        args: { targets: device, path },
        check(r) {
          const { problem, result } = onlyEntry(r, device);
          if (problem) return problem;
          return result?.content === `file of ${device}\n` ? undefined : `read ${JSON.stringify(result)}`;
        },
      };
    }
    if (k % 50 === 11) {
      return {
        tool: 'fleet_status',
        args: { targets: device },
        check(r) {
          const { problem, result } = onlyEntry(r, device);
          if (problem) return problem;
          return result?.hostname === hostname()
            ? undefined
            : `status ${JSON.stringify(result).slice(0, 200)}`;
        },
      };
    }
    return {
      tool: 'fleet_devices',
      args: {},
      check(r) {
        const names = (structuredOf(r).devices as Array<{ name: string }>).map((d) => d.name);
        return names.join(',') === DEVICES.join(',') ? undefined : `devices ${names.join(',')}`;
      },
    };
  }

  it('answers every call correctly, audits each exactly once, and refuses none', {
    timeout: 240_000,
  }, async () => {
    const auditBefore = readAudit(hub.auditPath).length;
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const era: Era = i % 2 === 0 ? 'modern' : 'legacy';
      clients.push(await connectClient(hub.url, tokenOf(i), era));
    }
    const failures: string[] = [];
    const perTool = new Map<string, number>();
    const started = performance.now();
    try {
      await Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < CALLS_EACH; k++) {
            const call = plan(i, k);
            perTool.set(call.tool, (perTool.get(call.tool) ?? 0) + 1);
            let problem: string | undefined;
            try {
              const result = (await client.callTool({
                name: call.tool,
                arguments: call.args,
              })) as CallToolResult;
              problem = result.isError ? `error result: ${textOf(result)}` : call.check(result);
            } catch (error) {
              problem = `threw: ${error instanceof Error ? error.message : String(error)}`;
            }
            if (problem !== undefined)
              failures.push(`client ${i} call ${k} ${call.tool}: ${problem.slice(0, 300)}`);
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
    const seconds = (performance.now() - started) / 1000;
    const total = CLIENTS * CALLS_EACH;
    console.log(
      `hub load: ${total} calls by ${CLIENTS} clients in ${seconds.toFixed(1)} s = ` +
        `${Math.round(total / seconds)} calls/s;`,
      Object.fromEntries(perTool),
    );
    expect(failures.length, failures.slice(0, 20).join('\n')).toBe(0);

    // A call may answer before its audit line reaches the file (the audit waits only so long);
    // every line must arrive, and no more than one per call.
    await waitFor('20,000 audit lines', () => readAudit(hub.auditPath).length - auditBefore >= total, 30_000);
    const lines = readAudit(hub.auditPath).slice(auditBefore);
    expect(lines).toHaveLength(total);
    const counted = new Map<string, number>();
    for (const line of lines) counted.set(line.tool, (counted.get(line.tool) ?? 0) + 1);
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(perTool));
    expect(lines.filter((l) => l.outcome !== 'ok')).toEqual([]);
    expect(lines.filter((l) => l.error_code === 'RATE_LIMITED')).toEqual([]);
    const byPrincipal = new Map<string, number>();
    for (const line of lines) byPrincipal.set(line.principal, (byPrincipal.get(line.principal) ?? 0) + 1);
    expect(byPrincipal.size).toBe(CLIENTS);
    expect([...byPrincipal.values()].every((n) => n === CALLS_EACH)).toBe(true);
  });
});

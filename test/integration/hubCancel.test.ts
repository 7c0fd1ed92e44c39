import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, connectClient, startAgent } from '../helpers/agentProcess.js';
import { agentDevices, type HubHandle, startHub } from '../helpers/hubProcess.js';
import {
  disposeAgent,
  isGone,
  readAudit,
  realTempDir,
  removeDir,
  waitUntil,
} from '../helpers/toolAssertions.js';

describe('a client cancelling a hub call', () => {
  const agents: AgentHandle[] = [];
  let hub: HubHandle;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) agents.push(await startAgent());
    const devices = agentDevices(agents.map((agent, i) => ({ name: `d${i}`, agent })));
    hub = await startHub({ config: devices.yaml, env: devices.env });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const a of agents) await disposeAgent(a);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`kills the commands it started on every device (${era})`, async () => {
      const dir = realTempDir(`mcpf-hubcancel-${era}-`);
      const client = await connectClient(hub.url, hub.token, era);
      try {
        // Each device writes its shell's pid to a file of its own, then sleeps.
        const command = `echo $$ > ${dir}/$$.pid; exec sleep 300`;
        const controller = new AbortController();
        const pending = client.callTool(
          { name: 'fleet_exec', arguments: { targets: 'all', command, cwd: dir, timeout_s: 120 } },
          { signal: controller.signal },
        );
        pending.catch(() => {});
        const pidFiles = () => readdirSync(dir).filter((f) => f.endsWith('.pid'));
        expect(await waitUntil(() => pidFiles().length === 2, 20_000)).toBe(true);
        controller.abort();
        await expect(pending).rejects.toThrow(/abort/i);
        const pids = pidFiles().map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()));
        expect(await waitUntil(() => pids.every(isGone), 10_000)).toBe(true);
        // Both agents saw a cancellation, not a vanished client.
        for (const agent of agents) {
          expect(
            await waitUntil(
              () =>
                readAudit(agent.auditPath).some(
                  (l) =>
                    l.tool === 'exec' && l.error_code === 'CANCELLED' && JSON.stringify(l.args).includes(dir),
                ),
              10_000,
            ),
          ).toBe(true);
        }
      } finally {
        await client.close();
        removeDir(dir);
      }
    }, 60_000);
  }

  it('refuses a body over the limit with 413 before reading it', async () => {
    // Only the declared length is sent: the hub must answer from the header alone.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(hub.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${hub.token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': String(17 * 1024 * 1024),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });
});

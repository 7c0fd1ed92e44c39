import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectClient, startAgent } from '../helpers/agentProcess.js';
import { isGone, waitUntil } from '../helpers/toolAssertions.js';

describe('agent shutdown', () => {
  it('kills the commands of calls in flight when it gets SIGTERM', async () => {
    const agent = await startAgent();
    const pidFile = join(agent.dir, 'pid');
    const client = await connectClient(agent.url, agent.token);
    const call = client
      .callTool({
        name: 'exec',
        arguments: { command: `echo $$ > ${pidFile}; exec sleep 300`, timeout_s: 600 },
      })
      .catch((error: unknown) => error);
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(isGone(pid)).toBe(false);

    const exited = new Promise<number | null>((r) => agent.child.once('exit', (code) => r(code)));
    agent.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await call;
    expect(await waitUntil(() => isGone(pid), 5000)).toBe(true);
    await client.close().catch(() => {});
  });
});

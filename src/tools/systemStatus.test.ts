import { describe, expect, it } from 'vitest';
import { createLocalDevice } from '../device/index.js';
import { PolicySchema } from '../policy/index.js';
import { createSystemStatusTool, SystemStatusOutput } from './systemStatus.js';
import type { ToolContext } from './toolDef.js';

describe('system_status over LocalDevice', () => {
  const device = createLocalDevice();
  const ctx: ToolContext = {
    device,
    policy: PolicySchema.parse({}),
    signal: new AbortController().signal,
    resolvePath: async (p) => p,
  };

  it('produces output that validates against its schema', async () => {
    const tool = createSystemStatusTool({ self: () => ({ version: '1', pid: process.pid, rss_bytes: 1 }) });
    const status = await tool.run({}, ctx);
    expect(SystemStatusOutput.safeParse(status).success).toBe(true);
    expect(status.memory.total_bytes).toBeGreaterThan(0);
    expect(status.agent?.pid).toBe(process.pid);
    expect(tool.render(status)).toContain(status.hostname);
  });

  it('samples CPU once, then measures between calls without sleeping', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const tool = createSystemStatusTool({
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    const first = await tool.run({}, ctx);
    expect(sleeps).toEqual([100]);
    expect(first.cpu.sample_ms).toBe(100);
    clock += 50; // too soon: the last figure is reused
    const second = await tool.run({}, ctx);
    expect(second.cpu).toEqual(first.cpu);
    clock += 1000;
    const third = await tool.run({}, ctx);
    expect(sleeps).toEqual([100]);
    expect(third.cpu.sample_ms).toBe(1050);
  });
});

import { noAudit } from '../../audit/index.js';
import type { Device } from '../../device/index.js';
import type { Policy } from '../../policy/index.js';
import { createToolPipeline, type ToolCatalog } from '../../tools/index.js';
import type { Endpoint } from './types.js';

export interface LocalEndpointOptions {
  device: Device;
  catalog: ToolCatalog;
  policy: () => Policy;
  onDefect?: (error: unknown, tool: string) => void;
}

/**
 * This machine served in-process (`mcp-fleet up`): the agent's own pipeline (validate →
 * policy → run) over LocalDevice, with no second process and no loopback hop. The hub writes
 * the audit line for the upstream call, so the inner pipeline audits nothing.
 */
export function createLocalEndpoint(options: LocalEndpointOptions): Endpoint & { drain(): Promise<void> } {
  const pipeline = createToolPipeline({
    catalog: options.catalog,
    device: options.device,
    policy: options.policy,
    audit: noAudit,
    ...(options.onDefect ? { onDefect: options.onDefect } : {}),
  });
  return {
    device: options.device.name,
    callTool(tool, args, call) {
      return pipeline.call(tool, args, {
        principal: 'hub',
        signal: call.signal,
        ...(call.onProgress ? { progress: call.onProgress } : {}),
      });
    },
    async ping() {},
    async close() {
      await pipeline.drain();
    },
    drain: () => pipeline.drain(),
  };
}

import type { ToolCallResult } from '../../tools/index.js';

export interface EndpointCallOptions {
  /** Aborted on the device's timeout, the fan-out deadline or the client's cancellation. */
  signal: AbortSignal;
  timeoutMs: number;
  onProgress?: (message: string) => void;
}

/**
 * One device as the hub reaches it. Every connector (an agent over MCP, this machine
 * in-process, a device behind a chained hub, SSH later) answers the agent's own tools by
 * their agent names (`exec`, `system_status`, …), so the hub's fleet tools are written once.
 */
export interface Endpoint {
  readonly device: string;
  /** Calls one of the agent's tools. Tool failures come back as `isError` results; transport failures throw. */
  callTool(
    tool: string,
    args: Record<string, unknown>,
    options: EndpointCallOptions,
  ): Promise<ToolCallResult>;
  /** One heartbeat: resolves when the device answered. */
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

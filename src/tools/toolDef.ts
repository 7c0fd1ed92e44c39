import type { z } from 'zod';
import type { Device, DeviceCapabilities } from '../device/index.js';
import type { Policy } from '../policy/index.js';

/** What a tool handler may use. Built per call by the pipeline; nothing else reaches a tool. */
export interface ToolContext {
  device: Device;
  policy: Policy;
  /** Aborted when the client cancels the call or the transport closes. */
  signal: AbortSignal;
  /** Present only when the client asked for progress (sent a progress token). */
  progress?: (message: string) => void;
  /**
   * Canonical path for `path`, checked against the policy's roots; throws a POLICY_DENIED
   * FleetError naming the rule when it is outside them.
   */
  resolvePath(path: string): Promise<string>;
}

/**
 * One MCP tool, defined once over `Device`. The agent serves it over this machine; the hub
 * over whichever connector reaches a device. `prepare` is the policy stage (resolve, check,
 * refuse); `run` only executes what `prepare` allowed.
 */
export interface ToolDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType, P = z.output<I>> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: {
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  /** Whether this particular call only reads (e.g. `service` with action `status`). */
  isReadOnlyCall?: (args: z.output<I>) => boolean;
  /** The tool is listed only where the device has this capability. */
  requires?: keyof DeviceCapabilities;
  prepare?: (args: z.output<I>, ctx: ToolContext) => Promise<P>;
  run: (prepared: P, ctx: ToolContext) => Promise<z.output<O>>;
  /** Compact text for the model; the structured result carries the full data. */
  render: (result: z.output<O>) => string;
}

/** Erases a tool's own types so tools of different shapes can share one list. */
// biome-ignore lint/suspicious/noExplicitAny: the catalogue is heterogeneous by design; each tool is checked where it is defined.
export type AnyToolDef = ToolDef<any, any, any>;

/** Identity helper that keeps a tool's input, output and prepared types tied together. */
export function defineTool<I extends z.ZodType, O extends z.ZodType, P = z.output<I>>(
  def: ToolDef<I, O, P>,
): ToolDef<I, O, P> {
  return def;
}

import type { ExecResult } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import { resolveOutputCap, resolveTimeoutMs } from '../policy/index.js';
import type { ToolContext } from './toolDef.js';

/**
 * Runs a fixed argument vector for a tool built on a system command (systemctl, journalctl,
 * tmux): never a shell, the policy's default timeout and output cap, and cancellation wired.
 */
export async function runArgv(ctx: ToolContext, argv: string[], stdin?: string): Promise<ExecResult> {
  const result = await ctx.device.exec(
    {
      argv,
      stdin,
      timeoutMs: resolveTimeoutMs(ctx.policy, undefined),
      maxOutputBytes: resolveOutputCap(ctx.policy, undefined),
    },
    { signal: ctx.signal },
  );
  if (result.cancelled) throw new FleetError('CANCELLED', 'the call was cancelled');
  if (result.timed_out)
    throw new FleetError('TIMEOUT', `${argv[0]} timed out after ${result.duration_ms} ms`);
  return result;
}

/** A systemd unit name (systemctl, journalctl -u). */
export const UNIT_NAME = /^[A-Za-z0-9@._:\\-]{1,255}$/;

/** A word that becomes one argv element of a system command; a leading `-` would be an option. */
export function safeName(kind: string, value: string, pattern: RegExp): string {
  if (value.startsWith('-') || !pattern.test(value)) {
    throw new FleetError('INVALID_ARGUMENT', `invalid ${kind}: ${JSON.stringify(value).slice(0, 80)}`, {
      [kind]: value,
    });
  }
  return value;
}

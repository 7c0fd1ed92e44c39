import type { Decision } from './decision.js';
import { allow, deny } from './decision.js';
import type { Policy } from './schema.js';

/** A tool call to check: the tool's name and whether it only reads (never changes the machine). */
export type ToolInput = { tool: string; readOnly: boolean };

/**
 * Decides whether a tool may be called. `disabled` wins over `enabled` so an operator can switch a
 * tool off without rewriting an allow-list; `read_only` is checked last and refuses every tool that
 * can change the machine. `readOnly` comes from the tool's own definition, not from the caller.
 */
export function evaluateTool(policy: Policy, input: ToolInput): Decision {
  const { tool, readOnly } = input;
  const { enabled, disabled } = policy.tools;
  if (disabled.includes(tool))
    return deny('tools.disabled', `tool ${tool} is disabled by policy (tools.disabled)`);
  if (enabled !== undefined && !enabled.includes(tool)) {
    return deny('tools.enabled', `tool ${tool} is not in the policy's list of enabled tools (tools.enabled)`);
  }
  if (policy.read_only && !readOnly) {
    return deny('read_only', `tool ${tool} can change the machine and the policy is read-only`);
  }
  return allow('tools.allowed', `tool ${tool} is allowed`);
}

/**
 * Policy: pure functions of (policy, input) → decision. No I/O, no clock, no module state; the
 * caller canonicalises paths, runs processes and records decisions.
 */
export type { Decision } from './decision.js';
export type { ExecDecision, ExecInput } from './exec.js';
export { evaluateExec } from './exec.js';
export { resolveOutputCap, resolveTimeoutMs } from './limits.js';
export { canonicalPathProblem, evaluatePath, requestedPathDenial } from './roots.js';
export type { ExecAllowRule, ExecDenyRule, Policy, PolicyInput } from './schema.js';
export { PolicySchema } from './schema.js';
export type { CommandLineResult } from './shellWords.js';
export { checkArgv, isSafeChar, parseCommandLine } from './shellWords.js';
export type { ToolInput } from './tools.js';
export { evaluateTool } from './tools.js';

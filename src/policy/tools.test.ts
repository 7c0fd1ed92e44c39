import { describe, expect, it } from 'vitest';
import type { PolicyInput } from './schema.js';
import { PolicySchema } from './schema.js';
import { evaluateTool } from './tools.js';

const policy = (input: PolicyInput) => PolicySchema.parse(input);

describe('evaluateTool', () => {
  it('allows any tool by default', () => {
    expect(evaluateTool(policy({}), { tool: 'exec', readOnly: false })).toEqual({
      decision: 'allow',
      ruleId: 'tools.allowed',
      reason: 'tool exec is allowed',
    });
  });

  it('denies a disabled tool', () => {
    const decision = evaluateTool(policy({ tools: { disabled: ['exec'] } }), {
      tool: 'exec',
      readOnly: false,
    });
    expect(decision).toMatchObject({ decision: 'deny', ruleId: 'tools.disabled' });
    expect(decision.reason).toContain('exec');
  });

  it('denies a tool missing from enabled, and allows listed ones', () => {
    const p = policy({ tools: { enabled: ['read_file'] } });
    expect(evaluateTool(p, { tool: 'exec', readOnly: false })).toMatchObject({
      decision: 'deny',
      ruleId: 'tools.enabled',
    });
    expect(evaluateTool(p, { tool: 'read_file', readOnly: true }).decision).toBe('allow');
  });

  it('treats an empty enabled list as enabling nothing', () => {
    expect(
      evaluateTool(policy({ tools: { enabled: [] } }), { tool: 'read_file', readOnly: true }).ruleId,
    ).toBe('tools.enabled');
  });

  it('checks disabled before enabled', () => {
    const p = policy({ tools: { enabled: ['exec'], disabled: ['exec'] } });
    expect(evaluateTool(p, { tool: 'exec', readOnly: false }).ruleId).toBe('tools.disabled');
  });

  it('denies mutating tools in read-only mode and allows reading ones', () => {
    const p = policy({ read_only: true });
    expect(evaluateTool(p, { tool: 'write_file', readOnly: false })).toMatchObject({
      decision: 'deny',
      ruleId: 'read_only',
    });
    expect(evaluateTool(p, { tool: 'read_file', readOnly: true })).toMatchObject({ decision: 'allow' });
  });

  it('reports the list checks before read-only', () => {
    const p = policy({ read_only: true, tools: { enabled: ['read_file'] } });
    expect(evaluateTool(p, { tool: 'write_file', readOnly: false }).ruleId).toBe('tools.enabled');
  });
});

import { describe, expect, it } from 'vitest';
import type { AccessInput, ListableTool, Role } from './access.js';
import { canList, evaluateAccess } from './access.js';

describe('evaluateAccess', () => {
  const cases: Array<[AccessInput, 'allow' | 'deny', string]> = [
    [{ role: 'viewer', tool: 'fleet_status', readOnly: true }, 'allow', 'role.viewer'],
    [{ role: 'viewer', tool: 'fleet_exec', readOnly: false }, 'deny', 'role.viewer'],
    [{ role: 'viewer', tool: 'hub_reload', readOnly: true, adminOnly: true }, 'deny', 'role.viewer'],
    [{ role: 'operator', tool: 'fleet_status', readOnly: true }, 'allow', 'role.operator'],
    [{ role: 'operator', tool: 'fleet_exec', readOnly: false }, 'allow', 'role.operator'],
    [{ role: 'operator', tool: 'hub_reload', readOnly: false, adminOnly: true }, 'deny', 'role.operator'],
    [{ role: 'operator', tool: 'hub_principals', readOnly: true, adminOnly: true }, 'deny', 'role.operator'],
    [{ role: 'admin', tool: 'fleet_exec', readOnly: false }, 'allow', 'role.admin'],
    [{ role: 'admin', tool: 'hub_reload', readOnly: false, adminOnly: true }, 'allow', 'role.admin'],
    [{ role: 'admin', tool: 'fleet_status', readOnly: true }, 'allow', 'role.admin'],
  ];

  it.each(cases)('%o → %s by %s', (input, decision, ruleId) => {
    expect(evaluateAccess(input)).toMatchObject({ decision, ruleId });
  });

  it('says why a viewer is refused a call that changes things', () => {
    expect(evaluateAccess({ role: 'viewer', tool: 'fleet_exec', readOnly: false }).reason).toBe(
      'the viewer role may only run read-only calls (fleet_exec is not one)',
    );
  });

  it('says an admin-only tool is admin only', () => {
    expect(
      evaluateAccess({ role: 'operator', tool: 'hub_reload', readOnly: false, adminOnly: true }).reason,
    ).toBe('the operator role may not call hub_reload (admin only)');
  });

  it('keeps control characters in tool names out of reasons', () => {
    const { reason } = evaluateAccess({ role: 'viewer', tool: 'x\ny', readOnly: false });
    expect(reason).not.toContain('\n');
    expect(reason).toContain('x\\u{000A}y');
  });

  it('refuses a role it does not know', () => {
    const input = { role: 'root' as unknown as Role, tool: 'fleet_status', readOnly: true };
    expect(evaluateAccess(input)).toMatchObject({ decision: 'deny', ruleId: 'role.unknown' });
  });
});

describe('canList', () => {
  const readTool: ListableTool = { readOnly: true, hasReadOnlyCalls: true };
  const mixedTool: ListableTool = { readOnly: false, hasReadOnlyCalls: true };
  const writeTool: ListableTool = { readOnly: false, hasReadOnlyCalls: false };
  const adminTool: ListableTool = { readOnly: false, hasReadOnlyCalls: true, adminOnly: true };
  const cases: Array<[Role, string, ListableTool, boolean]> = [
    ['viewer', 'read-only', readTool, true],
    ['viewer', 'mixed', mixedTool, true],
    ['viewer', 'write-only', writeTool, false],
    ['viewer', 'admin-only', adminTool, false],
    ['operator', 'read-only', readTool, true],
    ['operator', 'write-only', writeTool, true],
    ['operator', 'admin-only', adminTool, false],
    ['admin', 'write-only', writeTool, true],
    ['admin', 'admin-only', adminTool, true],
  ];

  it.each(cases)('%s, %s tool → %s', (role, _label, tool, listed) => {
    expect(canList(role, tool)).toBe(listed);
  });

  it('lists nothing for a role it does not know', () => {
    expect(canList('root' as unknown as Role, readTool)).toBe(false);
  });
});

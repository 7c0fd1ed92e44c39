import type { Decision } from '../policy/decision.js';
import { allow, deny, forDisplay } from '../policy/decision.js';
import type { Role } from './inventory/schema.js';

// One definition of the roles: the inventory schema's enum, so config and checks cannot drift.
export type { Role } from './inventory/schema.js';

/** One tool call to check against the caller's role. */
export interface AccessInput {
  role: Role;
  tool: string;
  /** Whether this particular call only reads (a tool may read or write depending on its arguments). */
  readOnly: boolean;
  /** Tools only an admin may call (hub administration). */
  adminOnly?: boolean;
}

/** What `canList` needs to know about a tool. */
export interface ListableTool {
  /** Every call of the tool only reads. */
  readOnly: boolean;
  /** At least some calls of the tool only read (e.g. a service tool's `status` action). */
  hasReadOnlyCalls: boolean;
  adminOnly?: boolean;
}

/**
 * Decides whether a role may make one call. Roles are checked before device policy, so a viewer
 * is refused at the hub instead of relying on every device's policy being read-only. The refusal
 * is a `Decision` like the policy's, so the caller logs and reports it the same way (`role.<role>`).
 * Unknown roles are refused: this is an authorisation check and fails closed.
 */
export function evaluateAccess(input: AccessInput): Decision {
  const { role, readOnly, adminOnly = false } = input;
  const tool = forDisplay(input.tool);
  switch (role) {
    case 'admin':
      return allow('role.admin', `the admin role may call ${tool}`);
    case 'operator':
      if (adminOnly) return deny('role.operator', `the operator role may not call ${tool} (admin only)`);
      return allow('role.operator', `the operator role may call ${tool}`);
    case 'viewer':
      if (adminOnly) return deny('role.viewer', `the viewer role may not call ${tool} (admin only)`);
      if (!readOnly) {
        return deny('role.viewer', `the viewer role may only run read-only calls (${tool} is not one)`);
      }
      return allow('role.viewer', `the viewer role may run the read-only call ${tool}`);
    default:
      return deny('role.unknown', `unknown role ${forDisplay(String(role))} may not call ${tool}`);
  }
}

/**
 * Whether a tool is listed at all for this role, so a client is not shown tools every call of
 * which would be refused. A viewer sees tools with at least one read-only call; the call itself is
 * still checked by `evaluateAccess`.
 */
export function canList(role: Role, tool: ListableTool): boolean {
  switch (role) {
    case 'admin':
      return true;
    case 'operator':
      return !tool.adminOnly;
    case 'viewer':
      return !tool.adminOnly && (tool.readOnly || tool.hasReadOnlyCalls);
    default:
      return false;
  }
}

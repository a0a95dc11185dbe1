import type { Deployment, Environment, Role } from '../api/types';

/** What a role allows, as the API judges it (trellis_core::access::required_role), so that a
 * page never offers a button only for the API to refuse it. Shared by every page that acts. */

export type RoleAction = 'deploy' | 'promote' | 'rollback' | 'cancel' | 'teardown' | 'configure' | 'approve' | 'clearCache';

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/** Deployers act outside protected environments (clearing the dependency cache is asked as a
 * deployment: it only makes the next install a clean one); teardown, settings and approvals need an
 * admin, except approving in a pull request's preview: a fork's code waits there for someone
 * who may deploy, or previews would stall on the few admins. */
export function roleNeeded(action: RoleAction, target: Environment): Role {
  if (action === 'approve' && target.preview) return 'deployer';
  if (action === 'teardown' || action === 'configure' || action === 'approve') return 'admin';
  return target.protected ? 'admin' : 'deployer';
}

/** Why the caller's role does not allow an action, or undefined when it does (or when the
 * role is not known: the admin token, which may do anything). */
export function whyNotYourRole(role: Role | null | undefined, action: RoleAction, target: Environment): string | undefined {
  if (!role) return undefined;
  const needed = roleNeeded(action, target);
  if (RANK[role] >= RANK[needed]) return undefined;
  return `Your role here is ${role}: this needs the ${needed} role.`;
}

/** Why the role may not do what only an app's admins do (its members, its audit log), or
 * undefined for an admin and for the admin token, which has no role. */
export function whyNotAdmin(role: Role | null | undefined): string | undefined {
  if (!role || role === 'admin') return undefined;
  return `Your role here is ${role}: this needs the admin role.`;
}

/** Why the caller may not approve `deployment`: approving needs the role above, and not the
 * one who asked for it (`you` is how the API names the caller in `requestedBy`). */
export function whyNoApprove(
  role: Role | null | undefined,
  target: Environment,
  deployment: Deployment,
  you: string | undefined,
): string | undefined {
  const byRole = whyNotYourRole(role, 'approve', target);
  if (byRole) return byRole;
  if (you && deployment.requestedBy === you) {
    return `You requested it; ${target.preview ? 'someone else' : 'another admin'} must approve it.`;
  }
  return undefined;
}

/** Rejecting needs the same role as approving, but the requester may withdraw their own
 * request. */
export function whyNoReject(role: Role | null | undefined, target: Environment): string | undefined {
  return whyNotYourRole(role, 'approve', target);
}

import type { Environment, Role } from '../../api/types';

/** Why an action is not possible now, or undefined when it is. These mirror the API's own
 * refusals (functions/core/src/pipeline/), so a button is never offered only to fail. */

export function busy(env: Environment): string | undefined {
  if (env.runningDeployment || env.queuedDeployment) {
    return `A deployment is in progress in ${env.name}; wait for it or cancel it.`;
  }
  return undefined;
}

export function whyNoDeploy(env: Environment, ref?: string): string | undefined {
  if (env.protected) return `${env.name} is protected: only a promotion or rollback deploys it.`;
  if (!env.branch && !ref) return `${env.name} tracks no branch: deploy a chosen ref instead.`;
  return busy(env);
}

export function whyNoPromote(env: Environment, next: Environment | undefined): string | undefined {
  if (!next) return `${env.name} is the last environment of the pipeline.`;
  if (!env.currentDeployment || !env.currentCommit) return `${env.name} has no succeeded deployment to promote.`;
  return busy(next);
}

export function whyNoTeardown(env: Environment): string | undefined {
  if (!env.currentCommit || env.state === 'removed') return `${env.name} has nothing deployed to tear down.`;
  return busy(env);
}

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/** The role an action needs (the API's rule, trellis_core::access::required_role): deployers
 * act outside protected environments; teardown and settings need an admin. */
export function roleNeeded(action: 'deploy' | 'promote' | 'rollback' | 'cancel' | 'teardown' | 'configure', target: Environment): Role {
  if (action === 'teardown' || action === 'configure') return 'admin';
  return target.protected ? 'admin' : 'deployer';
}

/** Why the caller's role does not allow an action, or undefined when it does (or when the
 * role is not known: the admin token, which may do anything). */
export function whyNotYourRole(
  role: Role | null | undefined,
  action: Parameters<typeof roleNeeded>[0],
  target: Environment,
): string | undefined {
  if (!role) return undefined;
  const needed = roleNeeded(action, target);
  if (RANK[role] >= RANK[needed]) return undefined;
  return `Your role here is ${role}: this needs ${needed}.`;
}

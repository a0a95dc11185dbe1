import type { Environment } from '../../api/types';

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

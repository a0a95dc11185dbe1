import type { Environment, Preview } from '../../api/types';

export type PreviewEnvironment = Environment & { preview: Preview };

/** The pipeline's own environments, in order. Previews are listed among them by the API but
 * stand apart: nothing is promoted from or into one, so none is ever "next". */
export function pipelineOf(environments: readonly Environment[]): Environment[] {
  return environments.filter((e) => !e.preview).sort((a, b) => a.position - b.position);
}

/** The pull requests' previews, by pull request number. */
export function previewsOf(environments: readonly Environment[]): PreviewEnvironment[] {
  return environments
    .filter((e): e is PreviewEnvironment => Boolean(e.preview))
    .sort((a, b) => a.preview.number - b.preview.number);
}

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
  // The API would take it, but what it deployed is removed as soon as the teardown ends.
  if (env.preview?.closed) return `Pull request #${env.preview.number} is closed: ${env.name} is being torn down.`;
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

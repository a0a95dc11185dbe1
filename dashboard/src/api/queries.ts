import { type QueryClient, infiniteQueryOptions, queryOptions } from '@tanstack/react-query';

import type { AuditFilters, TrellisApi } from './client';
import type { Deployment } from './types';

/** Cache keys for API data, in one place so that every change refreshes the right entries. */
export const queryKeys = {
  apps: ['apps'] as const,
  app: (app: string) => ['app', app] as const,
  history: (app: string, env: string) => ['history', app, env] as const,
  cache: (app: string, env: string) => ['cache', app, env] as const,
  deployment: (id: string) => ['deployment', id] as const,
  /** Every promotion preview of an app, or the one from `env`. */
  promotionPreviews: (app: string) => ['promotion-preview', app] as const,
  promotionPreview: (app: string, env: string) => ['promotion-preview', app, env] as const,
};

/** Every app with its environments. */
export function appsQuery(api: TrellisApi) {
  return queryOptions({ queryKey: queryKeys.apps, queryFn: () => api.listApps() });
}

/** One app with its environments (the pipeline, settings and history pages share it). */
export function appQuery(api: TrellisApi, app: string) {
  return queryOptions({ queryKey: queryKeys.app(app), queryFn: () => api.getApp(app) });
}

/** One environment's deployments, newest first. */
export function historyQuery(api: TrellisApi, app: string, env: string) {
  return queryOptions({ queryKey: queryKeys.history(app, env), queryFn: () => api.listDeployments(app, env) });
}

/** What one environment's dependency cache holds. */
export function cacheQuery(api: TrellisApi, app: string, env: string) {
  return queryOptions({ queryKey: queryKeys.cache(app, env), queryFn: () => api.getCache(app, env) });
}

export function githubAppQuery(api: TrellisApi) {
  return queryOptions({ queryKey: ['github-app'] as const, queryFn: () => api.getGithubApp() });
}

/** The picker's repositories for a search (kept while the next search loads). */
export function githubRepositoriesQuery(api: TrellisApi, search: string) {
  return queryOptions({
    queryKey: ['github-repositories', search] as const,
    queryFn: () => api.listGithubRepositories(search),
    placeholderData: (previous) => previous,
  });
}

export function branchesQuery(api: TrellisApi, app: string) {
  return queryOptions({ queryKey: ['branches', app] as const, queryFn: () => api.listBranches(app), staleTime: 30_000 });
}

export function membersQuery(api: TrellisApi, app: string) {
  return queryOptions({ queryKey: ['members', app] as const, queryFn: () => api.listMembers(app) });
}

/** An app's notification destinations; its deliveries are kept under the same prefix, so
 * invalidating this refreshes them too. */
export function destinationsQuery(api: TrellisApi, app: string) {
  return queryOptions({ queryKey: ['notifications', app] as const, queryFn: () => api.listDestinations(app) });
}

export function deliveriesQuery(api: TrellisApi, app: string, id: string) {
  return queryOptions({
    queryKey: ['notifications', app, id, 'deliveries'] as const,
    queryFn: () => api.listDeliveries(app, id),
  });
}

export function tokensQuery(api: TrellisApi) {
  return queryOptions({ queryKey: ['tokens'] as const, queryFn: () => api.listTokens() });
}

/** Who the credential speaks for; it does not change while signed in. */
export function meQuery(api: TrellisApi) {
  return queryOptions({ queryKey: ['me'] as const, queryFn: () => api.me(), staleTime: Infinity });
}

export const AUDIT_PAGE = 50;

/** The audit log, newest first, a page at a time: a full page may have an older one after
 * it, read from its last entry. */
export function auditQuery(api: TrellisApi, filters: AuditFilters) {
  return infiniteQueryOptions({
    queryKey: ['audit', filters] as const,
    queryFn: ({ pageParam }) => api.listAudit(filters, { before: pageParam, limit: AUDIT_PAGE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.length === AUDIT_PAGE ? last[last.length - 1]?.id : undefined),
  });
}

export const PREVIEW_PAGE = 50;

/** What promoting `env` would ship, a page of commits at a time (the API says where the next
 * page starts). Nothing is kept once no one shows it: an old preview would say what no
 * longer ships. */
export function promotionPreviewQuery(api: TrellisApi, app: string, env: string) {
  return infiniteQueryOptions({
    queryKey: queryKeys.promotionPreview(app, env),
    queryFn: ({ pageParam }) => api.promotionPreview(app, env, pageParam, PREVIEW_PAGE),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextSkip ?? undefined,
    gcTime: 0,
  });
}

export function deploymentQuery(api: TrellisApi, id: string) {
  return queryOptions({ queryKey: queryKeys.deployment(id), queryFn: () => api.getDeployment(id) });
}

/** What a deployment's new state changes: the deployment itself (known, so set), and its
 * app, the list of apps, its environment's history and the app's promotion previews (its
 * environment is the source of one and the target of another) (read again). A fetch already
 * under way may have read the state before the change (an invalidation joins a running fetch
 * rather than restarting it), so such a query is read once more after it settles.
 *
 * Only `GET /api/deployments/{id}` says how the deployment was reported on GitHub: pushes and
 * the answers to actions carry no `feedback`. What was read is kept, so the page does not lose
 * it, and the deployment is read again, since its new state is something new to tell GitHub. */
export function refreshAfterDeployment(queryClient: QueryClient, deployment: Deployment): void {
  const key = queryKeys.deployment(deployment.id);
  const known = queryClient.getQueryData<Deployment>(key)?.feedback;
  const keepsFeedback = deployment.feedback == null && known != null;
  queryClient.setQueryData(key, keepsFeedback ? { ...deployment, feedback: known } : deployment);
  const stale: (readonly string[])[] = [
    queryKeys.app(deployment.app),
    queryKeys.apps,
    queryKeys.history(deployment.app, deployment.environment),
    queryKeys.promotionPreviews(deployment.app),
  ];
  if (keepsFeedback) stale.push(key);
  for (const queryKey of stale) {
    const inFlight = queryClient.isFetching({ queryKey }) > 0;
    void queryClient.invalidateQueries({ queryKey }).then(() => {
      if (inFlight) void queryClient.invalidateQueries({ queryKey });
    });
  }
}

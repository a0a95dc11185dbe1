import createClient, { type Middleware } from 'openapi-fetch';

import { ApiError, toApiError } from './errors';
import type { paths } from './schema';
import type {
  App,
  AuditEntry,
  Branch,
  ClearedCache,
  CreateAppRequest,
  CreateDestinationRequest,
  CreatedDestination,
  Delivery,
  Deployment,
  DependencyCache,
  Destination,
  Environment,
  GithubApp,
  GithubManifest,
  GithubManifestRequest,
  GithubRepositories,
  LiveTicket,
  Logs,
  Me,
  CreatedToken,
  Member,
  PersonalToken,
  PromotionPreview,
  Role,
  SettingsPatch,
  UpdateEnvironmentRequest,
} from './types';

/** The audit log's filters (`GET /api/audit`); times are RFC 3339. */
export interface AuditFilters {
  app?: string | undefined;
  actor?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** What openapi-fetch hands back: the typed body on success, the error body otherwise. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

async function settle<T>(call: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (cause) {
    throw ApiError.network(cause);
  }
  const { data, error, response } = outcome;
  if (!response.ok) throw toApiError(response.status, error);
  // 204 No Content has no body; callers of such routes expect nothing.
  return data as T;
}

/** How requests say who sends them: the admin token or a personal token, or the session
 * cookie of a GitHub sign-in (the browser sends it; changes carry its CSRF token). */
export type Credential = { kind: 'token'; token: string } | { kind: 'session'; login: string; csrfToken: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Trellis API, typed from its OpenAPI document (`src/api/schema.d.ts`). Every method
 * resolves to the response body or throws an {@link ApiError}. */
export class TrellisApi {
  private readonly client: ReturnType<typeof createClient<paths>>;

  constructor(baseUrl: string, credential: Credential | string, fetchImpl?: typeof fetch) {
    const as: Credential = typeof credential === 'string' ? { kind: 'token', token: credential } : credential;
    const auth: Middleware = {
      onRequest({ request }) {
        if (as.kind === 'token') request.headers.set('Authorization', `Bearer ${as.token}`);
        else if (!SAFE_METHODS.has(request.method)) request.headers.set('X-CSRF-Token', as.csrfToken);
        return request;
      },
    };
    this.client = createClient<paths>({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    this.client.use(auth);
  }

  /** Whether Trellis's GitHub App is connected, and where to install it. */
  getGithubApp(): Promise<GithubApp> {
    return settle(this.client.GET('/api/github/app'));
  }

  /** The manifest to post to GitHub; the answer also sets the cookie the callback checks. */
  startGithubManifest(request: GithubManifestRequest): Promise<GithubManifest> {
    return settle(this.client.POST('/api/github/manifest', { body: request }));
  }

  /** Every role on an app and where it comes from. */
  listMembers(app: string): Promise<Member[]> {
    return settle(this.client.GET('/api/apps/{app}/members', { params: { path: { app } } }));
  }

  /** An admin's override of a user's role on an app. */
  setMember(app: string, login: string, role: Role): Promise<void> {
    return settle(this.client.PUT('/api/apps/{app}/members/{login}', { params: { path: { app, login } }, body: { role } }));
  }

  /** Removes the override: the role follows GitHub again. */
  removeMember(app: string, login: string): Promise<void> {
    return settle(this.client.DELETE('/api/apps/{app}/members/{login}', { params: { path: { app, login } } }));
  }

  /** Where an app's deployment events are sent (its admins only; never the URLs). */
  listDestinations(app: string): Promise<Destination[]> {
    return settle(this.client.GET('/api/apps/{app}/notifications', { params: { path: { app } } }));
  }

  /** A new destination: a webhook's signing key is in this answer only. */
  createDestination(app: string, request: CreateDestinationRequest): Promise<CreatedDestination> {
    return settle(this.client.POST('/api/apps/{app}/notifications', { params: { path: { app } }, body: request }));
  }

  deleteDestination(app: string, id: string): Promise<void> {
    return settle(this.client.DELETE('/api/apps/{app}/notifications/{id}', { params: { path: { app, id } } }));
  }

  /** A destination's deliveries, newest first, failures too (`limit` 1 to 100). */
  listDeliveries(app: string, id: string, limit = 20): Promise<Delivery[]> {
    return settle(
      this.client.GET('/api/apps/{app}/notifications/{id}/deliveries', {
        params: { path: { app, id }, query: { limit } },
      }),
    );
  }

  /** The caller's personal tokens, newest first (never their secrets). */
  listTokens(): Promise<PersonalToken[]> {
    return settle(this.client.GET('/api/tokens'));
  }

  /** A new personal token: its secret is in this answer only. */
  createToken(name: string, expiresInDays: number): Promise<CreatedToken> {
    return settle(this.client.POST('/api/tokens', { body: { name, expiresInDays } }));
  }

  revokeToken(id: string): Promise<void> {
    return settle(this.client.DELETE('/api/tokens/{id}', { params: { path: { id } } }));
  }

  /** Who the credential speaks for: a user's login, or the admin token. */
  me(): Promise<Me> {
    return settle(this.client.GET('/api/me'));
  }

  /** Audit entries, newest first; `before` is the last id of the previous page. */
  listAudit(filters: AuditFilters, page: { before?: string | undefined; limit: number }): Promise<AuditEntry[]> {
    // An empty filter is no filter: `app=` would name an app called "".
    const given = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
    const query = {
      app: given(filters.app),
      actor: given(filters.actor),
      since: given(filters.since),
      until: given(filters.until),
      before: given(page.before),
      limit: page.limit,
    };
    return settle(this.client.GET('/api/audit', { params: { query } }));
  }

  /** A one-use ticket that opens the live socket for a signed-in browser (any origin). */
  liveTicket(): Promise<LiveTicket> {
    return settle(this.client.POST('/api/live/ticket'));
  }

  /** The repositories Trellis's GitHub App is installed on that the caller can see. */
  listGithubRepositories(search: string): Promise<GithubRepositories> {
    const query = search.trim() ? { search: search.trim(), limit: 30 } : { limit: 30 };
    return settle(this.client.GET('/api/github/repositories', { params: { query } }));
  }

  /** The branches of an app's repository. */
  listBranches(app: string): Promise<Branch[]> {
    return settle(this.client.GET('/api/apps/{app}/branches', { params: { path: { app } } }));
  }

  /** Ends the session (the server clears its cookie). */
  logout(): Promise<void> {
    return settle(this.client.POST('/api/auth/logout'));
  }

  listApps(): Promise<App[]> {
    return settle(this.client.GET('/api/apps'));
  }

  getApp(app: string): Promise<App> {
    return settle(this.client.GET('/api/apps/{app}', { params: { path: { app } } }));
  }

  createApp(request: CreateAppRequest): Promise<App> {
    return settle(this.client.POST('/api/apps', { body: request }));
  }

  updateAppSettings(app: string, settings: SettingsPatch): Promise<App> {
    return settle(this.client.PATCH('/api/apps/{app}', { params: { path: { app } }, body: { settings } }));
  }

  /** Turns pull-request previews on, made from `baseEnvironment`, or off (`null`). */
  setPreviews(app: string, baseEnvironment: string | null): Promise<App> {
    const previews = baseEnvironment === null ? null : { baseEnvironment };
    return settle(this.client.PATCH('/api/apps/{app}', { params: { path: { app } }, body: { previews } }));
  }

  getEnvironment(app: string, env: string): Promise<Environment> {
    return settle(this.client.GET('/api/apps/{app}/environments/{env}', { params: { path: { app, env } } }));
  }

  updateEnvironment(app: string, env: string, change: UpdateEnvironmentRequest): Promise<Environment> {
    return settle(
      this.client.PATCH('/api/apps/{app}/environments/{env}', { params: { path: { app, env } }, body: change }),
    );
  }

  /** What the environment's dependency cache holds (anyone who can read the app). */
  getCache(app: string, env: string): Promise<DependencyCache> {
    return settle(this.client.GET('/api/apps/{app}/environments/{env}/cache', { params: { path: { app, env } } }));
  }

  /** Deletes the environment's dependency archives (anyone who may deploy there). */
  clearCache(app: string, env: string): Promise<ClearedCache> {
    return settle(this.client.DELETE('/api/apps/{app}/environments/{env}/cache', { params: { path: { app, env } } }));
  }

  listDeployments(app: string, env: string, limit = 50): Promise<Deployment[]> {
    return settle(
      this.client.GET('/api/apps/{app}/environments/{env}/deployments', {
        params: { path: { app, env }, query: { limit } },
      }),
    );
  }

  deploy(app: string, env: string, ref?: string): Promise<Deployment> {
    return settle(
      this.client.POST('/api/apps/{app}/environments/{env}/deploy', {
        params: { path: { app, env } },
        body: ref ? { ref } : {},
      }),
    );
  }

  /** Promotes `env`'s current deployment to the next environment. */
  promote(app: string, env: string): Promise<Deployment> {
    return settle(this.client.POST('/api/apps/{app}/environments/{env}/promote', { params: { path: { app, env } } }));
  }

  /** What promoting `env` into the next environment would ship: one page of the commits it
   * adds (newest first; `limit` 1 to 100), and the target's settings changed since its
   * deployment. Changes nothing. */
  promotionPreview(app: string, env: string, skip: number, limit: number): Promise<PromotionPreview> {
    return settle(
      this.client.GET('/api/apps/{app}/environments/{env}/promote', {
        params: { path: { app, env }, query: { skip, limit } },
      }),
    );
  }

  rollback(app: string, env: string, deploymentId: string): Promise<Deployment> {
    return settle(
      this.client.POST('/api/apps/{app}/environments/{env}/rollback', {
        params: { path: { app, env } },
        body: { deploymentId },
      }),
    );
  }

  teardown(app: string, env: string): Promise<Deployment> {
    return settle(this.client.POST('/api/apps/{app}/environments/{env}/teardown', { params: { path: { app, env } } }));
  }

  getDeployment(id: string): Promise<Deployment> {
    return settle(this.client.GET('/api/deployments/{id}', { params: { path: { id } } }));
  }

  cancel(id: string): Promise<Deployment> {
    return settle(this.client.POST('/api/deployments/{id}/cancel', { params: { path: { id } } }));
  }

  /** Lets a deployment awaiting approval go ahead (an admin other than its requester). */
  approve(id: string): Promise<Deployment> {
    return settle(this.client.POST('/api/deployments/{id}/approve', { params: { path: { id } } }));
  }

  /** Turns a deployment awaiting approval down; it ends cancelled with the reason. */
  reject(id: string, reason: string): Promise<Deployment> {
    return settle(this.client.POST('/api/deployments/{id}/reject', { params: { path: { id } }, body: { reason } }));
  }

  /** Lines with `seq > after`, at most `limit` (the API allows up to 5000). */
  logs(id: string, after: number, limit = 5000): Promise<Logs> {
    return settle(this.client.GET('/api/deployments/{id}/logs', { params: { path: { id }, query: { after, limit } } }));
  }
}

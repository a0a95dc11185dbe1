import type { App, Commit, Deployment, Environment } from '../api/types';

export const BASE = 'http://localhost';
export const WS_URL = 'ws://localhost/api/ws';

export const commitA: Commit = { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', message: 'Add the landing page\n\nbody', author: 'Ada' };
export const commitB: Commit = { sha: 'b2c3d4e5f60718293a4b5c6d7e8f901234567890', message: 'Fix the header', author: 'Grace' };

export function environment(name: string, position: number, over: Partial<Environment> = {}): Environment {
  return {
    name,
    position,
    branch: name === 'development' ? 'main' : null,
    autoDeploy: name === 'development',
    protected: name === 'production',
    testsEnabled: false,
    dependencyCache: true,
    state: 'empty',
    currentDeployment: null,
    currentCommit: null,
    runningDeployment: null,
    queuedDeployment: null,
    variables: {},
    secretNames: [],
    settings: {},
    ...over,
  };
}

export function app(name: string, environments: Environment[]): App {
  return {
    name,
    repository: { provider: 'github', fullName: 'acme/shop', installationId: 7 },
    settings: {},
    environments,
    createdAt: '2026-11-01T10:00:00Z',
  };
}

export function deployment(id: string, over: Partial<Deployment> = {}): Deployment {
  return {
    id,
    app: 'shop',
    environment: 'development',
    kind: 'deploy',
    trigger: 'push',
    commit: commitA,
    status: 'succeeded',
    createdAt: '2026-11-20T10:00:00Z',
    startedAt: '2026-11-20T10:00:01Z',
    finishedAt: '2026-11-20T10:01:13Z',
    durationMs: 72_000,
    error: null,
    outputs: {},
    promotedFrom: null,
    rollbackOf: null,
    cancelRequested: false,
    runner: null,
    config: {
      branch: 'main',
      testsEnabled: false,
      installCommand: null,
      testCommand: 'npm test',
      deployCommand: 'npx sst deploy',
      removeCommand: 'npx sst remove',
      timeoutMinutes: 30,
      deployRoleArn: null,
      variables: {},
      secretNames: [],
    },
    ...over,
  };
}

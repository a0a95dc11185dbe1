/** Cache keys for API data, in one place so live updates refresh the right entries. */
export const queryKeys = {
  apps: ['apps'] as const,
  app: (app: string) => ['app', app] as const,
  history: (app: string, env: string) => ['history', app, env] as const,
  deployment: (id: string) => ['deployment', id] as const,
};

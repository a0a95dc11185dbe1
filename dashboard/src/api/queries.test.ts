import { QueryClient } from '@tanstack/react-query';
import { expect, test } from 'vitest';

import { deployment as aDeployment } from '../test/fixtures';
import { queryKeys, refreshAfterDeployment } from './queries';

test("a deployment change sets the deployment and marks its app, the apps, its history and the app's promotion previews stale", () => {
  const client = new QueryClient();
  const deployment = aDeployment('01J0000000000000000000000A', { app: 'shop', environment: 'staging' });
  const other = queryKeys.history('shop', 'production');
  // Staging is the target of development's promotion and the source of its own.
  const previews = [queryKeys.promotionPreview('shop', 'development'), queryKeys.promotionPreview('shop', 'staging')];
  const otherApp = queryKeys.promotionPreview('blog', 'development');
  for (const key of [queryKeys.app('shop'), queryKeys.apps, queryKeys.history('shop', 'staging'), other, ...previews, otherApp]) {
    client.setQueryData(key, []);
  }

  refreshAfterDeployment(client, deployment);

  expect(client.getQueryData(queryKeys.deployment(deployment.id))).toEqual(deployment);
  expect(client.getQueryState(queryKeys.app('shop'))?.isInvalidated).toBe(true);
  expect(client.getQueryState(queryKeys.apps)?.isInvalidated).toBe(true);
  expect(client.getQueryState(queryKeys.history('shop', 'staging'))?.isInvalidated).toBe(true);
  for (const key of previews) expect(client.getQueryState(key)?.isInvalidated).toBe(true);
  // Another environment's history and another app's previews are not touched.
  expect(client.getQueryState(other)?.isInvalidated).toBe(false);
  expect(client.getQueryState(otherApp)?.isInvalidated).toBe(false);
});

test('a pushed deployment, which carries no feedback, keeps the feedback read and has the deployment read again', () => {
  const client = new QueryClient();
  const feedback = [{ target: 'github-deployment', desired: 'in_progress', delivered: 'in_progress', attempts: 1, gaveUp: false }];
  const read = aDeployment('01J0000000000000000000000B', { status: 'running', feedback });
  const key = queryKeys.deployment(read.id);
  client.setQueryData(key, read);

  const pushed = aDeployment(read.id, { status: 'succeeded' });
  refreshAfterDeployment(client, pushed);

  expect(client.getQueryData(key)).toEqual({ ...pushed, feedback });
  expect(client.getQueryState(key)?.isInvalidated).toBe(true);
});

test('a deployment with nothing reported on GitHub is set as it comes and not read again', () => {
  const client = new QueryClient();
  const read = aDeployment('01J0000000000000000000000C', { status: 'running' });
  const key = queryKeys.deployment(read.id);
  client.setQueryData(key, read);

  const pushed = aDeployment(read.id, { status: 'succeeded' });
  refreshAfterDeployment(client, pushed);

  expect(client.getQueryData(key)).toEqual(pushed);
  expect(client.getQueryState(key)?.isInvalidated).toBe(false);
});

import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { App, Deployment } from '../../api/types';
import { BASE, WS_URL, app, commitA, commitB, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const staging = environment('staging', 1, { state: 'deployed', currentDeployment: 'd1', currentCommit: commitA });
const waiting = deployment('w1', {
  environment: 'production',
  trigger: 'promote',
  commit: commitB,
  status: 'awaiting_approval',
  requestedBy: 'grace',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
});

function serve(you: string) {
  let current: App = {
    ...app('shop', [staging, environment('production', 2, { requiresApproval: true, queuedDeployment: 'w1' })]),
    yourRole: 'admin',
  };
  let w1: Deployment = waiting;
  const posted: string[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(current)),
    http.get(`${BASE}/api/me`, () => HttpResponse.json({ kind: 'user', login: you })),
    http.get(`${BASE}/api/deployments/d1`, () => HttpResponse.json(deployment('d1', { environment: 'staging' }))),
    http.get(`${BASE}/api/deployments/w1`, () => HttpResponse.json(w1)),
    http.post(`${BASE}/api/deployments/w1/approve`, ({ request }) => {
      posted.push(new URL(request.url).pathname);
      w1 = { ...w1, status: 'running', approvedBy: you, startedAt: '2026-11-20T10:03:00Z' };
      current = {
        ...current,
        environments: [staging, environment('production', 2, { requiresApproval: true, state: 'deploying', runningDeployment: 'w1' })],
      };
      return HttpResponse.json(w1);
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return posted;
}

describe('a deployment awaiting approval in the pipeline', () => {
  it('is shown in its column with who asked, and another admin approves it there', async () => {
    const posted = serve('ada');
    const { user } = renderAt('/apps/shop');
    const production = within(await screen.findByRole('listitem', { name: 'production' }));
    expect(production.getByText(/needs approval/)).toBeInTheDocument();
    expect(await production.findByText(/Awaiting approval/)).toHaveTextContent('Awaiting approval: b2c3d4e requested by grace');
    expect(production.getByRole('link', { name: 'b2c3d4e' })).toHaveAttribute('href', '/deployments/w1');
    // It holds the queue slot, but it is not "queued" for the runner.
    expect(production.queryByRole('link', { name: 'watch the logs' })).not.toBeInTheDocument();

    const approve = production.getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await user.click(approve);
    await waitFor(() => expect(posted).toEqual(['/api/deployments/w1/approve']));
    expect(await production.findByText(/Approved: it is running/)).toBeInTheDocument();
    expect(await production.findByRole('link', { name: 'watch the logs' })).toHaveAttribute('href', '/deployments/w1');
    expect(production.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });

  it('tells the requester that another admin must approve', async () => {
    serve('grace');
    renderAt('/apps/shop');
    const production = within(await screen.findByRole('listitem', { name: 'production' }));
    const approve = await production.findByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeDisabled());
    expect(approve).toHaveAccessibleDescription('You requested it; another admin must approve it.');
  });
});

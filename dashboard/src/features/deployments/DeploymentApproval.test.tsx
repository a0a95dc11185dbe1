import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Deployment, Role } from '../../api/types';
import { BASE, WS_URL, app, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const waiting = deployment('w1', {
  environment: 'production',
  trigger: 'promote',
  status: 'awaiting_approval',
  requestedBy: 'grace',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
});

/** A deployment into production waiting for approval; `you` is whom the token belongs to. */
function serve({ role = 'admin', you = 'ada' }: { role?: Role; you?: string } = {}) {
  let current: Deployment = waiting;
  const posted: { path: string; body: string }[] = [];
  const production = environment('production', 1, { requiresApproval: true, queuedDeployment: 'w1' });
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json({ ...app('shop', [environment('development', 0), production]), yourRole: role })),
    http.get(`${BASE}/api/me`, () => HttpResponse.json({ kind: 'user', login: you })),
    http.get(`${BASE}/api/deployments/w1`, () => HttpResponse.json(current)),
    http.get(`${BASE}/api/deployments/w1/logs`, () => HttpResponse.json({ lines: [], complete: false })),
    http.post(`${BASE}/api/deployments/w1/:decision`, async ({ request, params }) => {
      posted.push({ path: new URL(request.url).pathname, body: await request.text() });
      current =
        params.decision === 'approve'
          ? { ...current, status: 'queued', approvedBy: you }
          : { ...current, status: 'cancelled', error: `rejected by ${you}: Not during the sale`, finishedAt: '2026-11-20T10:05:00Z' };
      return HttpResponse.json(current);
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return posted;
}

async function approvalGroup() {
  return within(await screen.findByRole('group', { name: 'Approval of deployment w1' }));
}

describe('approving a deployment on its page', () => {
  it('lets another admin approve it, then says who did', async () => {
    const posted = serve();
    const { user } = renderAt('/deployments/w1');
    expect(await screen.findByText('awaiting approval')).toBeInTheDocument();
    expect(screen.getByText(/an admin other than grace approves/)).toBeInTheDocument();
    const approve = (await approvalGroup()).getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await user.click(approve);

    await waitFor(() => expect(posted.map((p) => p.path)).toEqual(['/api/deployments/w1/approve']));
    expect(await screen.findByText('Approved by')).toBeInTheDocument();
    expect(screen.getByText('queued')).toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Approval of deployment w1' })).not.toBeInTheDocument();
  });

  it('does not let the requester approve their own deployment, but lets them reject it', async () => {
    serve({ you: 'grace' });
    renderAt('/deployments/w1');
    const group = await approvalGroup();
    const approve = group.getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toHaveAccessibleDescription('You requested it; another admin must approve it.'));
    expect(approve).toBeDisabled();
    // Said on the page too, not only to a pointer hovering over the button.
    expect(group.getByText('You requested it; another admin must approve it.', { selector: 'p' })).toBeVisible();
    expect(group.getByRole('button', { name: 'Reject' })).toBeEnabled();
  });

  it('disables both for a deployer, saying the admin role is needed', async () => {
    serve({ role: 'deployer' });
    renderAt('/deployments/w1');
    const group = await approvalGroup();
    for (const name of ['Approve', 'Reject']) {
      const button = group.getByRole('button', { name });
      expect(button).toBeDisabled();
      expect(button).toHaveAccessibleDescription('Your role here is deployer: this needs the admin role.');
    }
    // production is protected: cancelling there needs an admin too.
    expect(screen.getByRole('button', { name: 'Cancel deployment' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
  });

  it('asks why before rejecting, in 1 to 500 characters, and shows the reason after', async () => {
    const posted = serve();
    const { user } = renderAt('/deployments/w1');
    const group = await approvalGroup();
    await user.click(group.getByRole('button', { name: 'Reject' }));
    const reason = group.getByLabelText('Why is it rejected?');

    await user.type(reason, '   ');
    await user.click(group.getByRole('button', { name: 'Confirm rejection' }));
    expect(reason).toHaveAccessibleDescription(expect.stringContaining('Say why it is rejected') as string);

    await user.clear(reason);
    await user.click(reason);
    await user.paste('x'.repeat(501));
    await user.click(group.getByRole('button', { name: 'Confirm rejection' }));
    expect(reason).toHaveAccessibleDescription(expect.stringContaining('At most 500 characters (this is 501).') as string);
    expect(posted).toEqual([]);

    await user.clear(reason);
    await user.type(reason, ' Not during the sale ');
    await user.click(group.getByRole('button', { name: 'Confirm rejection' }));
    await waitFor(() =>
      expect(posted).toEqual([{ path: '/api/deployments/w1/reject', body: JSON.stringify({ reason: 'Not during the sale' }) }]),
    );
    expect(await screen.findByText('rejected by ada: Not during the sale')).toBeInTheDocument();
    expect(screen.getByText('cancelled')).toBeInTheDocument();
  });

  it("shows the API's refusal in its words", async () => {
    serve();
    server.use(
      http.post(`${BASE}/api/deployments/w1/approve`, () =>
        HttpResponse.json(
          { error: { code: 'conflict', message: 'deployment w1 is cancelled: only a deployment awaiting approval can be approved or rejected' } },
          { status: 409 },
        ),
      ),
      http.post(`${BASE}/api/deployments/w1/reject`, () =>
        HttpResponse.json({ error: { code: 'invalid', message: 'say why, in 1 to 500 characters', field: 'reason' } }, { status: 422 }),
      ),
    );
    const { user } = renderAt('/deployments/w1');
    const group = await approvalGroup();
    const approve = group.getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await user.click(approve);
    expect(await group.findByRole('alert')).toHaveTextContent(
      'Not approved: deployment w1 is cancelled: only a deployment awaiting approval can be approved or rejected',
    );

    await user.click(group.getByRole('button', { name: 'Reject' }));
    await user.type(group.getByLabelText('Why is it rejected?'), 'No');
    await user.click(group.getByRole('button', { name: 'Confirm rejection' }));
    await waitFor(() =>
      expect(group.getByLabelText('Why is it rejected?')).toHaveAccessibleDescription(
        expect.stringContaining('say why, in 1 to 500 characters') as string,
      ),
    );
  });
});

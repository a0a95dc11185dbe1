import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { App, Environment, Preview, Role } from '../../api/types';
import { BASE, WS_URL, app, commitA, commitB, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const deployed = { state: 'deployed', currentDeployment: 'd1', currentCommit: commitA } as const;
const pipeline = [
  environment('development', 0, deployed),
  environment('staging', 1, deployed),
  environment('production', 2, deployed),
];

function preview(number: number, over: Partial<Preview> = {}, env: Partial<Environment> = {}): Environment {
  const pr: Preview = { number, headRef: `feature-${number}`, headRepository: 'acme/shop', fork: false, closed: false, ...over };
  return environment(`pr-${number}`, 1000 + number, {
    branch: pr.headRef,
    requiresApproval: pr.fork,
    preview: pr,
    ...env,
  });
}

const own = preview(12, {}, { state: 'deployed', currentDeployment: 'p12', currentCommit: commitB });
const fork = preview(15, { headRef: 'patch-1', headRepository: 'alice/shop', fork: true }, { queuedDeployment: 'w1' });
const closing = preview(9, { closed: true }, { state: 'removing', currentDeployment: 'p9', currentCommit: commitA, runningDeployment: 't9' });

const waiting = deployment('w1', {
  environment: 'pr-15',
  commit: commitB,
  status: 'awaiting_approval',
  requestedBy: 'pull request #15 by alice',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
});

/** The API as the tests need it: the app (mutable), its deployments, PATCH and approve. */
function serve(role: Role, over: Partial<App> = {}, envs: Environment[] = [...pipeline, own, fork, closing]) {
  let current: App = { ...app('shop', envs), yourRole: role, ...over };
  const patched: unknown[] = [];
  const approved: string[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(current)),
    http.get(`${BASE}/api/deployments/d1`, () => HttpResponse.json(deployment('d1'))),
    http.get(`${BASE}/api/deployments/w1`, () => HttpResponse.json(waiting)),
    http.patch(`${BASE}/api/apps/shop`, async ({ request }) => {
      const body = (await request.json()) as { previews: { baseEnvironment: string } | null };
      patched.push(body);
      current = { ...current, previewsFrom: body.previews?.baseEnvironment ?? null };
      return HttpResponse.json(current);
    }),
    http.post(`${BASE}/api/deployments/w1/approve`, ({ request }) => {
      approved.push(new URL(request.url).pathname);
      return HttpResponse.json({ ...waiting, status: 'queued', approvedBy: 'ada' });
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return { patched, approved };
}

function previewCard(name: string | RegExp) {
  return within(within(screen.getByRole('list', { name: 'Previews' })).getByRole('listitem', { name }));
}

describe('pull-request previews on the pipeline page', () => {
  it('are not columns, and the last pipeline column has nothing to promote to', async () => {
    serve('admin', { previewsFrom: 'development' });
    renderAt('/apps/shop');
    const columns = within(await screen.findByRole('list', { name: 'Pipeline' })).getAllByRole('listitem');
    expect(columns.map((c) => c.getAttribute('data-environment'))).toEqual(['development', 'staging', 'production']);

    const production = within(columns[2] as HTMLElement);
    expect(production.queryByRole('button', { name: /Promote/ })).not.toBeInTheDocument();
    expect(within(columns[1] as HTMLElement).getByRole('button', { name: 'Promote to production' })).toBeEnabled();
  });

  it('lists each preview by pull request, marking forks and closing ones, with no Promote', async () => {
    serve('admin', { previewsFrom: 'development' });
    renderAt('/apps/shop');
    await screen.findByRole('list', { name: 'Previews' });
    expect(screen.getByText(/Each open pull request gets a preview made from/)).toHaveTextContent('development');
    const cards = within(screen.getByRole('list', { name: 'Previews' })).getAllByRole('listitem');
    expect(cards.map((c) => c.getAttribute('data-environment'))).toEqual(['pr-9', 'pr-12', 'pr-15']);

    const ours = previewCard('#12 feature-12');
    expect(ours.getByText('deployed')).toBeInTheDocument();
    expect(ours.getByText('Fix the header')).toBeInTheDocument();
    expect(ours.queryByText(/\(fork\)/)).not.toBeInTheDocument();
    expect(ours.getByRole('link', { name: 'History' })).toHaveAttribute('href', '/apps/shop/environments/pr-12');
    expect(ours.getByRole('link', { name: 'Current deployment' })).toHaveAttribute('href', '/deployments/p12');
    expect(ours.getByRole('button', { name: 'Deploy feature-12 head' })).toBeEnabled();
    expect(ours.getByRole('button', { name: 'Tear down' })).toBeEnabled();

    const theirs = previewCard('#15 patch-1');
    expect(theirs.getByText(/from/)).toHaveTextContent('pr-15 · from alice/shop (fork) · each deployment needs approval');
    expect(theirs.getByText('Nothing deployed yet.')).toBeInTheDocument();
    expect(theirs.queryByRole('link', { name: 'Current deployment' })).not.toBeInTheDocument();

    const closed = previewCard('#9 feature-9');
    expect(closed.getByText('closing: being torn down')).toBeInTheDocument();
    expect(closed.getByRole('link', { name: 'watch the logs' })).toHaveAttribute('href', '/deployments/t9');
    expect(closed.getByRole('button', { name: 'Deploy feature-9 head' })).toHaveAccessibleDescription(
      'Pull request #9 is closed: pr-9 is being torn down.',
    );

    for (const card of cards) expect(within(card).queryByRole('button', { name: /Promote/ })).not.toBeInTheDocument();
  });

  it("lets a deployer approve a fork's deployment, but not tear the preview down", async () => {
    const { approved } = serve('deployer', { previewsFrom: 'development' });
    const { user } = renderAt('/apps/shop', { login: 'ada' });
    await screen.findByRole('list', { name: 'Previews' });
    const theirs = previewCard('#15 patch-1');
    expect(await theirs.findByText(/Awaiting approval/)).toHaveTextContent(
      'Awaiting approval: b2c3d4e requested by pull request #15 by alice',
    );
    expect(theirs.queryByRole('link', { name: 'watch the logs' })).not.toBeInTheDocument();
    expect(theirs.getByRole('button', { name: 'Tear down' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
    expect(theirs.getByRole('button', { name: 'Reject' })).toBeEnabled();

    const approve = theirs.getByRole('button', { name: 'Approve' });
    expect(approve).toBeEnabled();
    await user.click(approve);
    await waitFor(() => expect(approved).toEqual(['/api/deployments/w1/approve']));
    expect(await theirs.findByText(/Approved: it is queued/)).toBeInTheDocument();
  });

  it('says when previews are off; an admin is pointed to the switch, others to an admin', async () => {
    serve('deployer', {}, pipeline);
    const first = renderAt('/apps/shop');
    expect(await screen.findByText(/Pull-request previews are off\./)).toHaveTextContent(
      'Pull-request previews are off. An admin of shop can turn them on.',
    );
    expect(screen.queryByRole('list', { name: 'Previews' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Make previews from')).not.toBeInTheDocument();
    first.unmount();

    serve('admin', {}, pipeline);
    renderAt('/apps/shop');
    const link = await screen.findByRole('link', { name: 'Turn them on below' });
    expect(link).toHaveAttribute('href', '#previews-base');
    const select = screen.getByLabelText('Make previews from');
    expect(select).toHaveValue('');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Off', 'development', 'staging', 'production']);
  });

  it('turns previews on with a PATCH, and off again', async () => {
    const { patched } = serve('admin', {}, pipeline);
    const { user } = renderAt('/apps/shop');
    await user.selectOptions(await screen.findByLabelText('Make previews from'), 'development');
    await user.click(screen.getByRole('button', { name: 'Save previews setting' }));
    await waitFor(() => expect(patched).toEqual([{ previews: { baseEnvironment: 'development' } }]));
    expect(await screen.findByText('Saved: pull requests get previews made from development.')).toBeInTheDocument();
    expect(screen.getByText(/Each open pull request gets a preview made from/)).toHaveTextContent('No pull request is open.');

    await user.selectOptions(screen.getByLabelText('Make previews from'), 'Off');
    await user.click(screen.getByRole('button', { name: 'Save previews setting' }));
    await waitFor(() => expect(patched).toEqual([{ previews: { baseEnvironment: 'development' } }, { previews: null }]));
    expect(await screen.findByText(/Pull-request previews are off\./)).toBeInTheDocument();
  });

  it("shows the API's refusal of the base environment next to the field", async () => {
    serve('admin', {}, pipeline);
    server.use(
      http.patch(`${BASE}/api/apps/shop`, () =>
        HttpResponse.json(
          {
            error: {
              code: 'invalid',
              message: 'shop has no pipeline environment named "staging"',
              field: 'previews.baseEnvironment',
            },
          },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderAt('/apps/shop');
    const select = await screen.findByLabelText('Make previews from');
    await user.selectOptions(select, 'staging');
    await user.click(screen.getByRole('button', { name: 'Save previews setting' }));
    await waitFor(() => expect(select).toHaveAttribute('aria-invalid', 'true'));
    expect(select).toHaveAccessibleDescription(expect.stringContaining('shop has no pipeline environment named "staging"'));
    expect(screen.getByRole('alert')).toHaveTextContent('shop has no pipeline environment named "staging"');
    expect(screen.queryByText(/^Saved/)).not.toBeInTheDocument();
  });
});

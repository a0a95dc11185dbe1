import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { App, Deployment } from '../../api/types';
import { BASE, WS_URL, app, commitA, commitB, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const live = ws.link(WS_URL);

function column(name: string) {
  return within(screen.getByRole('listitem', { name }));
}

const deployedDev = environment('development', 0, {
  state: 'deployed',
  currentDeployment: 'd1',
  currentCommit: commitA,
});

function serve(envs = [deployedDev, environment('staging', 1), environment('production', 2)]) {
  const posted: string[] = [];
  let current: App = app('shop', envs);
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(current)),
    http.get(`${BASE}/api/deployments/d1`, () =>
      HttpResponse.json(deployment('d1', { outputs: { url: 'https://dev.shop.example/', region: 'eu-west-1' } })),
    ),
    http.get(`${BASE}/api/apps/shop/environments/:env/promote`, ({ params }) =>
      HttpResponse.json({
        from: String(params.env),
        to: params.env === 'development' ? 'staging' : 'production',
        candidate: commitA,
        current: null,
        commits: [],
        total: 0,
        behind: 0,
        nextSkip: null,
        commitsUnavailable: null,
        configChanges: [],
      }),
    ),
    http.post(`${BASE}/api/apps/shop/environments/:env/:action`, ({ request, params }) => {
      posted.push(new URL(request.url).pathname);
      const promoting = params.action === 'promote';
      return HttpResponse.json(
        deployment('d2', {
          environment: promoting ? 'staging' : String(params.env),
          status: 'queued',
          trigger: promoting ? 'promote' : 'manual',
        }),
        { status: 202 },
      );
    }),
    live.addEventListener('connection', () => undefined),
  );
  return {
    posted,
    setApp: (next: App) => {
      current = next;
    },
  };
}

describe('the pipeline view', () => {
  it('shows the environments in pipeline order with state, commit, timing and outputs', async () => {
    serve();
    renderAt('/apps/shop');
    const columns = await screen.findAllByRole('listitem', { name: /^(development|staging|production)$/ });
    expect(columns.map((c) => c.getAttribute('data-environment'))).toEqual(['development', 'staging', 'production']);

    const dev = column('development');
    expect(dev.getByText('deployed')).toBeInTheDocument();
    const sha = dev.getByRole('link', { name: 'a1b2c3d' });
    expect(sha).toHaveAttribute('href', `https://github.com/acme/shop/commit/${commitA.sha}`);
    expect(dev.getByText('Add the landing page')).toBeInTheDocument();
    expect(await dev.findByText(/in 1 min 12 s/)).toBeInTheDocument();
    expect(dev.getByRole('link', { name: 'https://dev.shop.example/' })).toBeInTheDocument();
    expect(column('staging').getByText('empty')).toBeInTheDocument();
  });

  it('disables what cannot be done and says why', async () => {
    serve();
    renderAt('/apps/shop');
    const staging = await screen.findByRole('listitem', { name: 'staging' });
    const promote = within(staging).getByRole('button', { name: 'Promote to production' });
    expect(promote).toBeDisabled();
    expect(promote).toHaveAccessibleDescription('staging has no succeeded deployment to promote.');
    expect(within(staging).getByRole('button', { name: 'Tear down' })).toHaveAccessibleDescription(
      'staging has nothing deployed to tear down.',
    );
    const production = column('production');
    expect(production.getByRole('button', { name: /^Deploy/ })).toHaveAccessibleDescription(
      'production is protected: only a promotion or rollback deploys it.',
    );
    expect(production.queryByRole('button', { name: /Promote/ })).not.toBeInTheDocument();
  });

  it('offers a viewer nothing to press and a deployer nothing in production, saying why', async () => {
    const envs = [deployedDev, environment('staging', 1, { state: 'deployed', currentDeployment: 'd1', currentCommit: commitA }), environment('production', 2, { protected: true })];
    const { setApp } = serve(envs);
    setApp({ ...app('shop', envs), yourRole: 'viewer' });
    const first = renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    expect(within(dev).getByRole('button', { name: 'Promote to staging' })).toHaveAccessibleDescription(
      'Your role here is viewer: this needs the deployer role.',
    );
    first.unmount();

    setApp({ ...app('shop', envs), yourRole: 'deployer' });
    renderAt('/apps/shop');
    const staging = await screen.findByRole('listitem', { name: 'staging' });
    expect(within(staging).getByRole('button', { name: 'Promote to production' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
    expect(within(staging).getByRole('button', { name: 'Tear down' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
    expect(column('development').getByRole('button', { name: 'Promote to staging' })).toBeEnabled();
  });

  it("links an app's admins to its audit log and notifications, and no one else", async () => {
    const { setApp } = serve();
    setApp({ ...app('shop', [deployedDev]), yourRole: 'admin' });
    const first = renderAt('/apps/shop');
    await waitFor(() =>
      expect(screen.getAllByRole('link', { name: 'Audit log' }).map((l) => l.getAttribute('href'))).toEqual(['/audit', '/audit?app=shop']),
    );
    expect(screen.getByRole('link', { name: 'Notifications' })).toHaveAttribute('href', '/apps/shop/notifications');
    first.unmount();

    setApp({ ...app('shop', [deployedDev]), yourRole: 'deployer' });
    renderAt('/apps/shop');
    await screen.findByRole('link', { name: 'Members' });
    // Only the top bar's link to the whole log remains.
    expect(screen.getAllByRole('link', { name: 'Audit log' }).map((l) => l.getAttribute('href'))).toEqual(['/audit']);
    expect(screen.queryByRole('link', { name: 'Notifications' })).not.toBeInTheDocument();
  });

  it('disables actions on an environment with a deployment in progress', async () => {
    serve([
      deployedDev,
      environment('staging', 1, { state: 'deploying', runningDeployment: 'd9' }),
      environment('production', 2),
    ]);
    renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    expect(within(dev).getByRole('button', { name: 'Promote to staging' })).toHaveAccessibleDescription(
      'A deployment is in progress in staging; wait for it or cancel it.',
    );
    expect(column('staging').getByRole('link', { name: 'watch the logs' })).toHaveAttribute('href', '/deployments/d9');
  });

  it('asks before promoting to an unprotected environment too, then links to the new deployment', async () => {
    const { posted } = serve();
    const { user } = renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    await user.click(within(dev).getByRole('button', { name: 'Promote to staging' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Promote shop to staging?' });
    expect(await within(dialog).findByText('staging has nothing deployed yet.')).toBeInTheDocument();
    expect(posted).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Promote to staging' }));
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/development/promote']));
    expect(await within(dev).findByRole('link', { name: 'follow it' })).toHaveAttribute('href', '/deployments/d2');
  });

  it('asks before promoting to production, naming the app and environment', async () => {
    const { posted } = serve([
      deployedDev,
      environment('staging', 1, { state: 'deployed', currentDeployment: 'd1', currentCommit: commitA }),
      environment('production', 2),
    ]);
    const { user } = renderAt('/apps/shop');
    const staging = await screen.findByRole('listitem', { name: 'staging' });
    await user.click(within(staging).getByRole('button', { name: 'Promote to production' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Promote shop to production?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(posted).toEqual([]);

    await user.click(within(staging).getByRole('button', { name: 'Promote to production' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Promote to production' }));
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/staging/promote']));
  });

  it('asks before every teardown', async () => {
    const { posted } = serve();
    const { user } = renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    await user.click(within(dev).getByRole('button', { name: 'Tear down' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Tear down development of shop?' });
    await user.keyboard('{Escape}');
    expect(dialog).not.toBeInTheDocument();
    expect(posted).toEqual([]);
    await user.click(within(dev).getByRole('button', { name: 'Tear down' }));
    await user.click(screen.getByRole('button', { name: 'Tear down development' }));
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/development/teardown']));
  });

  it('deploys a chosen ref and shows the API refusal in words', async () => {
    serve();
    server.use(
      http.post(`${BASE}/api/apps/shop/environments/development/deploy`, () =>
        HttpResponse.json(
          { error: { code: 'invalid', message: '"nope" is not a commit, branch or tag of acme/shop', field: 'ref' } },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    await user.click(within(dev).getByRole('button', { name: 'Deploy a ref…' }));
    await user.type(within(dev).getByLabelText('Branch, tag or commit'), 'nope');
    await user.click(within(dev).getByRole('button', { name: 'Deploy ref' }));
    expect(await within(dev).findByRole('alert')).toHaveTextContent(
      'Refused: "nope" is not a commit, branch or tag of acme/shop (field: ref)',
    );
  });

  it('shows a status change pushed over the WebSocket without a reload', async () => {
    const { setApp } = serve();
    server.use(
      http.get(`${BASE}/api/deployments/d3`, () => HttpResponse.json(deployment('d3', { commit: commitB }))),
      live.addEventListener('connection', ({ client }) => {
        client.addEventListener('message', (event) => {
          const message = JSON.parse(typeof event.data === "string" ? event.data : "{}") as { action: string; app?: string };
          if (message.action !== 'subscribe' || message.app !== 'shop') return;
          client.send(JSON.stringify({ type: 'subscribed', topics: [{ kind: 'app', id: 'shop' }] }));
          setApp(
            app('shop', [
              { ...deployedDev, currentDeployment: 'd3', currentCommit: commitB },
              environment('staging', 1),
              environment('production', 2),
            ]),
          );
          const finished: Deployment = deployment('d3', { commit: commitB });
          client.send(JSON.stringify({ type: 'deployment', deployment: finished }));
        });
      }),
    );
    renderAt('/apps/shop');
    const dev = await screen.findByRole('listitem', { name: 'development' });
    expect(await within(dev).findByText('Fix the header')).toBeInTheDocument();
  });
});

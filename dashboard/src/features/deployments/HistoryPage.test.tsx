import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Deployment, Role } from '../../api/types';
import { BASE, WS_URL, app, commitA, commitB, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const live = ws.link(WS_URL);

function serve(envName: string, history: Deployment[], env = environment(envName, 2), yourRole?: Role) {
  const posted: { path: string; body: string }[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () =>
      HttpResponse.json({
        ...app(
          'shop',
          [environment('development', 0), environment('staging', 1), environment('production', 2)].map((e) =>
            e.name === env.name ? env : e,
          ),
        ),
        yourRole,
      }),
    ),
    http.get(`${BASE}/api/apps/shop/environments/${envName}/deployments`, () => HttpResponse.json(history)),
    http.post(`${BASE}/api/*`, async ({ request }) => {
      posted.push({ path: new URL(request.url).pathname, body: await request.text() });
      return HttpResponse.json(deployment('new', { status: 'queued', trigger: 'rollback', environment: envName }), {
        status: 202,
      });
    }),
    live.addEventListener('connection', () => undefined),
  );
  return posted;
}

function row(id: string) {
  const el = document.querySelector(`tr[data-deployment="${id}"]`);
  if (!(el instanceof HTMLElement)) throw new Error(`no row for ${id}`);
  return within(el);
}

const production = (over = {}) =>
  environment('production', 2, { state: 'deployed', currentDeployment: 'p3', currentCommit: commitB, ...over });

const productionHistory = [
  deployment('p3', { environment: 'production', trigger: 'promote', commit: commitB }),
  deployment('p2', { environment: 'production', trigger: 'promote', status: 'failed', error: 'boom' }),
  deployment('p1', { environment: 'production', trigger: 'promote', commit: commitA, durationMs: 95_000 }),
];

describe('the history of an environment', () => {
  it('lists every deployment with its trigger, status, commit and duration', async () => {
    serve('production', productionHistory, production());
    renderAt('/apps/shop/environments/production');
    await screen.findByRole('table');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-deployment'))).toEqual(['p3', 'p2', 'p1']);
    expect(row('p3').getByText('current')).toBeInTheDocument();
    expect(row('p2').getByText('failed')).toBeInTheDocument();
    expect(row('p1').getByText('promote')).toBeInTheDocument();
    expect(row('p1').getByText('1 min 35 s')).toBeInTheDocument();
    expect(row('p1').getByRole('link', { name: 'a1b2c3d' })).toBeInTheDocument();
  });

  it('offers rollback only to earlier succeeded deployments, and asks first in production', async () => {
    const posted = serve('production', productionHistory, production());
    const { user } = renderAt('/apps/shop/environments/production');
    await screen.findByRole('table');
    expect(row('p3').getByRole('button', { name: 'Roll back to this' })).toHaveAccessibleDescription(
      'production runs this deployment now.',
    );
    expect(row('p2').queryByRole('button', { name: 'Roll back to this' })).not.toBeInTheDocument();

    await user.click(row('p1').getByRole('button', { name: 'Roll back to this' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Roll production of shop back?' });
    expect(dialog).toHaveTextContent('a1b2c3d');
    expect(posted).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Roll production back' }));
    await waitFor(() =>
      expect(posted).toEqual([
        { path: '/api/apps/shop/environments/production/rollback', body: JSON.stringify({ deploymentId: 'p1' }) },
      ]),
    );
    expect(await screen.findByRole('link', { name: 'follow it' })).toHaveAttribute('href', '/deployments/new');
  });

  it('cancels a running deployment', async () => {
    const posted = serve(
      'development',
      [deployment('r1', { status: 'running', finishedAt: null, durationMs: null }), deployment('r0')],
      environment('development', 0, { runningDeployment: 'r1', state: 'deploying' }),
    );
    const { user } = renderAt('/apps/shop/environments/development');
    await screen.findByRole('table');
    expect(row('r0').queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();
    expect(row('r0').getByRole('button', { name: 'Roll back to this' })).toHaveAccessibleDescription(
      'A deployment is in progress in development.',
    );
    await user.click(row('r1').getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(posted.map((p) => p.path)).toEqual(['/api/deployments/r1/cancel']));
  });

  it('shows a viewer the history with nothing to press, saying which role is needed', async () => {
    const posted = serve(
      'development',
      [deployment('r1', { status: 'running', finishedAt: null, durationMs: null }), deployment('r0')],
      environment('development', 0, { runningDeployment: 'r1', state: 'deploying' }),
      'viewer',
    );
    renderAt('/apps/shop/environments/development');
    await screen.findByRole('table');
    for (const button of [row('r1').getByRole('button', { name: 'Cancel' }), row('r0').getByRole('button', { name: 'Roll back to this' })]) {
      expect(button).toBeDisabled();
      expect(button).toHaveAccessibleDescription('Your role here is viewer: this needs the deployer role.');
    }
    expect(posted).toEqual([]);
  });

  it('lets a deployer roll back outside production only', async () => {
    serve('production', productionHistory, production(), 'deployer');
    const first = renderAt('/apps/shop/environments/production');
    await screen.findByRole('table');
    expect(row('p1').getByRole('button', { name: 'Roll back to this' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
    first.unmount();

    serve('development', [deployment('d2'), deployment('d1')], environment('development', 0, { currentDeployment: 'd2' }), 'deployer');
    renderAt('/apps/shop/environments/development');
    await screen.findByRole('table');
    expect(row('d1').getByRole('button', { name: 'Roll back to this' })).toBeEnabled();
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { DependencyCache, Environment, Role } from '../../api/types';
import { BASE, WS_URL, app, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const live = ws.link(WS_URL);
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

const stored: DependencyCache = {
  enabled: true,
  entries: [
    { key: 'npm-node22-3f9a1c', bytes: 45_230_000, usedAt: minutesAgo(3) },
    { key: 'npm-node20-77b0e2', bytes: 12_000_000, usedAt: minutesAgo(120) },
  ],
  totalBytes: 57_230_000,
};

/** The app with `env`, its cache (empty once cleared) and the DELETE the test controls. */
function serve(env: Environment, yourRole?: Role, clearAnswer?: () => Response) {
  let cache = stored;
  const calls = { reads: 0, deletes: 0 };
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json({ ...app('shop', [env]), yourRole })),
    http.get(`${BASE}/api/apps/shop/branches`, () => HttpResponse.json([])),
    http.get(`${BASE}/api/apps/shop/environments/${env.name}/cache`, () => {
      calls.reads += 1;
      return HttpResponse.json(cache);
    }),
    http.delete(`${BASE}/api/apps/shop/environments/${env.name}/cache`, () => {
      calls.deletes += 1;
      if (clearAnswer) return clearAnswer();
      cache = { enabled: true, entries: [], totalBytes: 0 };
      return HttpResponse.json({ archives: 2, bytes: 57_230_000 });
    }),
    live.addEventListener('connection', () => undefined),
  );
  return calls;
}

const development = environment('development', 0);
const section = async () => within(await screen.findByRole('region', { name: 'Dependency cache' }));

describe('the dependency cache on the settings page', () => {
  it('lists what is stored, and clears it only after confirming', async () => {
    const calls = serve(development, 'deployer');
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const cache = await section();
    const rows = await cache.findAllByRole('row');
    expect(rows.slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['npm-node22-3f9a1c', '45.2 MB', '3 min ago'],
      ['npm-node20-77b0e2', '12.0 MB', '2 h ago'],
    ]);
    expect(cache.getByText('2 archives, 57.2 MB in all.')).toBeInTheDocument();

    // A deployer may not change the settings but may clear the cache.
    expect(screen.getByRole('button', { name: 'Save settings' })).toBeDisabled();
    const clear = cache.getByRole('button', { name: 'Clear cache' });
    expect(clear).toBeEnabled();
    await user.click(clear);
    let dialog = within(screen.getByRole('alertdialog', { name: 'Clear the dependency cache of development?' }));
    expect(dialog.getByText(/the next deployment installs from scratch and saves a fresh cache/)).toHaveTextContent(
      '(2 archives, 57.2 MB)',
    );
    await user.click(dialog.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(calls.deletes).toBe(0);

    await user.click(clear);
    dialog = within(screen.getByRole('alertdialog'));
    await user.click(dialog.getByRole('button', { name: 'Clear cache' }));
    expect(await cache.findByRole('status')).toHaveTextContent(
      'Cleared 2 archives (57.2 MB): the next deployment installs from scratch and saves a fresh cache.',
    );
    expect(calls.deletes).toBe(1);
    // The list is read again: nothing is left.
    expect(await cache.findByText('Nothing is stored.')).toBeInTheDocument();
    expect(calls.reads).toBe(2);
    expect(cache.queryByRole('table')).not.toBeInTheDocument();
    expect(cache.getByRole('button', { name: 'Clear cache' })).toHaveAccessibleDescription('Nothing is stored to clear.');
  });

  it('shows a viewer the cache with the button disabled, saying why', async () => {
    const calls = serve(development, 'viewer');
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const cache = await section();
    expect(await cache.findByText('npm-node22-3f9a1c')).toBeInTheDocument();
    const clear = cache.getByRole('button', { name: 'Clear cache' });
    expect(clear).toBeDisabled();
    expect(clear).toHaveAccessibleDescription('Your role here is viewer: this needs the deployer role.');
    await user.click(clear);
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(calls.deletes).toBe(0);
  });

  it('asks a deployer for the admin role in a protected environment', async () => {
    serve(environment('production', 2), 'deployer');
    renderAt('/apps/shop/environments/production/settings');
    const cache = await section();
    await cache.findByText('npm-node22-3f9a1c');
    expect(cache.getByRole('button', { name: 'Clear cache' })).toHaveAccessibleDescription(
      'Your role here is deployer: this needs the admin role.',
    );
  });

  it("shows the API's message when clearing is refused", async () => {
    const calls = serve(development, 'admin', () =>
      HttpResponse.json(
        { error: { code: 'cache_unavailable', message: 'the dependency cache cannot be read right now (see the server log); nothing was changed, try again' } },
        { status: 503 },
      ),
    );
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const cache = await section();
    await cache.findByText('npm-node22-3f9a1c');
    await user.click(cache.getByRole('button', { name: 'Clear cache' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Clear cache' }));
    await waitFor(() =>
      expect(cache.getByRole('alert')).toHaveTextContent(
        'Not cleared: the dependency cache cannot be read right now (see the server log); nothing was changed, try again',
      ),
    );
    expect(calls.deletes).toBe(1);
    expect(cache.queryByRole('status')).not.toBeInTheDocument();
    expect(cache.getByText('npm-node22-3f9a1c')).toBeInTheDocument();
  });

  it('says when the cache is off and what stays stored', async () => {
    serve(environment('staging', 1, { dependencyCache: false }));
    renderAt('/apps/shop/environments/staging/settings');
    const cache = await section();
    expect(cache.getByText(/Off: deployments install from scratch and save nothing/)).toBeInTheDocument();
    expect(await cache.findByText('npm-node22-3f9a1c')).toBeInTheDocument();
  });
});

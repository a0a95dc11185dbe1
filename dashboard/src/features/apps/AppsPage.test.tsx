import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import { BASE, WS_URL, app, commitA, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

describe('the apps page', () => {
  it("lists apps with each environment's state at a glance", async () => {
    server.use(
      http.get(`${BASE}/api/apps`, () =>
        HttpResponse.json([
          app('shop', [
            environment('development', 0, { state: 'deployed', currentCommit: commitA }),
            environment('staging', 1, { state: 'failed' }),
            environment('production', 2),
            environment('pr-7', 1007, {
              preview: { number: 7, headRef: 'pricing', headRepository: 'acme/shop', fork: false, closed: false },
            }),
          ]),
        ]),
      ),
      http.get(`${BASE}/api/github/app`, () => HttpResponse.json({ connected: false, signIn: false })),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    renderAt('/');
    const envs = within(await screen.findByRole('list', { name: 'shop environments' }));
    expect(envs.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'development ✓ deployed a1b2c3d',
      'staging ✗ failed',
      'production ○ empty',
    ]);
    expect(screen.getByText('1 pull-request preview')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'shop' })).toHaveAttribute('href', '/apps/shop');
  });

  it("creates an app, showing the API's field errors next to the field", async () => {
    const bodies: unknown[] = [];
    server.use(
      http.get(`${BASE}/api/apps`, () => HttpResponse.json([])),
      http.post(`${BASE}/api/apps`, async ({ request }) => {
        const body = (await request.json()) as { repository: { path?: string } };
        bodies.push(body);
        if (body.repository.path === '/nowhere') {
          return HttpResponse.json(
            { error: { code: 'invalid', message: 'repository cannot be read: no such directory', field: 'repository' } },
            { status: 422 },
          );
        }
        return HttpResponse.json(app('blog', [environment('development', 0)]), { status: 201 });
      }),
      http.get(`${BASE}/api/apps/blog`, () => HttpResponse.json(app('blog', [environment('development', 0)]))),
      http.get(`${BASE}/api/github/app`, () => HttpResponse.json({ connected: false, signIn: false })),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    const { user } = renderAt('/');
    await user.click(await screen.findByRole('button', { name: 'Create app' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription(expect.stringContaining('Give the app a name.') as string);
    expect(bodies).toEqual([]);

    await user.type(screen.getByLabelText('Name'), 'blog');
    await user.type(screen.getByLabelText('Repository path'), '/nowhere');
    await user.click(screen.getByRole('button', { name: 'Create app' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Repository path')).toHaveAccessibleDescription(
        'repository cannot be read: no such directory',
      ),
    );

    await user.click(screen.getByLabelText('GitHub'));
    await user.type(screen.getByLabelText('GitHub repository (owner/repo)'), 'acme/blog');
    await user.type(screen.getByLabelText('GitHub App installation id'), '42');
    await user.click(screen.getByRole('button', { name: 'Create app' }));
    expect(await screen.findByRole('heading', { name: 'blog' })).toBeInTheDocument();
    expect(bodies.at(-1)).toEqual({ name: 'blog', repository: { provider: 'github', fullName: 'acme/blog', installationId: 42 } });
  });

  it('lets a signed-in user pick a repository they administer, and says why not the others', async () => {
    const searches: (string | null)[] = [];
    const bodies: unknown[] = [];
    const repository = (fullName: string, over: Record<string, unknown>) => ({
      fullName,
      installationId: 31,
      private: true,
      defaultBranch: 'main',
      yourPermission: 'admin',
      canRegister: true,
      apps: [],
      ...over,
    });
    server.use(
      http.get(`${BASE}/api/apps`, () => HttpResponse.json([])),
      http.get(`${BASE}/api/github/app`, () => HttpResponse.json({ connected: true, signIn: true, appId: 1 })),
      http.get(`${BASE}/api/github/repositories`, ({ request }) => {
        const search = new URL(request.url).searchParams.get('search');
        searches.push(search);
        const all = [
          repository('acme/docs', { yourPermission: 'read', canRegister: false, private: false }),
          repository('acme/My_Shop', { apps: ['legacy'] }),
        ];
        return HttpResponse.json({
          repositories: all.filter((r) => !search || r.fullName.toLowerCase().includes(search.toLowerCase())),
          truncated: false,
        });
      }),
      http.post(`${BASE}/api/apps`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(app('my-shop', [environment('development', 0)]), { status: 201 });
      }),
      http.get(`${BASE}/api/apps/my-shop`, () => HttpResponse.json(app('my-shop', [environment('development', 0)]))),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    const { user } = renderAt('/', { login: 'ada' });
    const docs = await screen.findByRole('radio', { name: 'acme/docs' });
    expect(docs).toBeDisabled();
    expect(docs).toHaveAccessibleDescription(
      'Registering it needs the admin or maintain permission on GitHub; you have read.',
    );
    // A path on the server is not offered to a user.
    expect(screen.queryByLabelText('Repository path')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create app' }));
    expect(await screen.findByText('Pick a repository.')).toBeInTheDocument();
    expect(bodies).toEqual([]);

    await user.type(screen.getByLabelText('Search repositories'), 'shop');
    await waitFor(() => expect(searches.at(-1)).toBe('shop'));
    await waitFor(() => expect(screen.queryByRole('radio', { name: 'acme/docs' })).not.toBeInTheDocument());
    await user.click(screen.getByRole('radio', { name: /acme\/My_Shop \(private\) — already registered as legacy/ }));
    expect(screen.getByLabelText('Name')).toHaveValue('my-shop');
    await user.click(screen.getByRole('button', { name: 'Create app' }));
    expect(await screen.findByRole('heading', { name: 'my-shop' })).toBeInTheDocument();
    expect(bodies).toEqual([
      { name: 'my-shop', repository: { provider: 'github', fullName: 'acme/My_Shop', installationId: 31 } },
    ]);
  });
});

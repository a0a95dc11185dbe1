import { screen } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { BASE, WS_URL } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const submitted: HTMLFormElement[] = [];

afterEach(() => {
  submitted.length = 0;
  vi.restoreAllMocks();
});

describe('connecting GitHub', () => {
  it('posts the manifest to GitHub from the browser, with the address people reach Trellis at', async () => {
    const asked: unknown[] = [];
    server.use(
      http.get(`${BASE}/api/github/app`, () => HttpResponse.json({ connected: false, signIn: false })),
      http.post(`${BASE}/api/github/manifest`, async ({ request }) => {
        asked.push(await request.json());
        return HttpResponse.json({
          postUrl: 'https://github.com/organizations/acme/settings/apps/new?state=s1',
          manifest: { name: 'Trellis', url: 'https://trellis.acme.dev' },
        });
      }),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    // Leaving for GitHub is a real form post; here it is only recorded.
    vi.spyOn(HTMLFormElement.prototype, 'submit').mockImplementation(function (this: HTMLFormElement) {
      submitted.push(this);
    });
    const { user } = renderAt('/settings/github');
    const url = await screen.findByLabelText('Where this Trellis is reached');
    await user.clear(url);
    await user.type(url, 'https://trellis.acme.dev');
    await user.type(screen.getByLabelText('Organisation (optional)'), 'acme');
    await user.click(screen.getByRole('button', { name: 'Connect GitHub' }));

    await vi.waitFor(() => expect(submitted).toHaveLength(1));
    expect(asked).toEqual([{ publicUrl: 'https://trellis.acme.dev', organisation: 'acme' }]);
    const form = submitted[0];
    expect(form?.method).toBe('post');
    expect(form?.action).toBe('https://github.com/organizations/acme/settings/apps/new?state=s1');
    const field = form?.querySelector<HTMLInputElement>('input[name="manifest"]');
    expect(JSON.parse(field?.value ?? '{}')).toEqual({ name: 'Trellis', url: 'https://trellis.acme.dev' });
  });

  it('links to installing a connected app and says what replacing it means', async () => {
    server.use(
      http.get(`${BASE}/api/github/app`, () =>
        HttpResponse.json({
          connected: true,
          appId: 4242,
          slug: 'trellis-acme',
          installUrl: 'https://github.com/apps/trellis-acme/installations/new',
          signIn: true,
        }),
      ),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    renderAt('/settings/github?connected=1');
    expect(await screen.findByRole('link', { name: 'Install on GitHub' })).toHaveAttribute(
      'href',
      'https://github.com/apps/trellis-acme/installations/new',
    );
    expect(screen.getByText(/The GitHub App is connected./)).toHaveAttribute('role', 'status');
    expect(screen.getByText(/trellis-acme, and people sign in with GitHub/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create another GitHub App' })).toBeInTheDocument();
  });
});

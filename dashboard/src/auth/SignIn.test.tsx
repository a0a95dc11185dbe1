import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import { Root } from '../Root';
import { BASE, WS_URL } from '../test/fixtures';
import { server } from '../test/server';

const config = { apiBase: BASE, websocketUrl: WS_URL };

function serve() {
  server.use(
    // No GitHub session in this browser.
    http.get(`${BASE}/api/me`, ({ request }) =>
      request.headers.get('authorization')
        ? HttpResponse.json({ kind: 'admin-token' })
        : HttpResponse.json({ error: { code: 'unauthorized', message: 'no session' } }, { status: 401 }),
    ),
    http.get(`${BASE}/api/apps`, ({ request }) =>
      request.headers.get('authorization') === 'Bearer right'
        ? HttpResponse.json([])
        : HttpResponse.json({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } }, { status: 401 }),
    ),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
}

describe('signing in', () => {
  it('refuses a wrong token with a clear message, keeps the right one across reloads', async () => {
    serve();
    const user = userEvent.setup();
    const first = render(<Root config={config} />);
    await user.type(await screen.findByLabelText('API token'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That token was not accepted by this Trellis server.');
    expect(screen.getByLabelText('API token')).toHaveAttribute('aria-invalid', 'true');

    await user.clear(screen.getByLabelText('API token'));
    await user.type(screen.getByLabelText('API token'), 'right');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Apps' })).toBeInTheDocument();
    first.unmount();

    // A reload: the session is still there.
    render(<Root config={config} />);
    expect(await screen.findByText('No apps yet: create the first one below.')).toBeInTheDocument();
    expect(screen.queryByLabelText('API token')).not.toBeInTheDocument();
  });

  it('signs out when the server stops accepting the token', async () => {
    serve();
    window.localStorage.setItem('trellis.token', 'revoked');
    render(<Root config={config} />);
    expect(await screen.findByText('The server no longer accepts your token; sign in again.')).toBeInTheDocument();
    expect(window.localStorage.getItem('trellis.token')).toBeNull();
  });

  it('offers GitHub sign-in, and says why one came back without a session', async () => {
    serve();
    window.history.pushState({}, '', '/apps/sample?signInError=mallory%20may%20not%20sign%20in');
    render(<Root config={config} />);
    const link = await screen.findByRole('link', { name: 'Sign in with GitHub' });
    expect(link).toHaveAttribute('href', `${BASE}/api/auth/github?return_to=%2Fapps%2Fsample`);
    expect(screen.getByRole('status')).toHaveTextContent('GitHub sign-in: mallory may not sign in');
    window.history.pushState({}, '', '/');
  });

  it('opens with a GitHub session, names the user and sends its CSRF token with changes', async () => {
    const sent: (string | null)[] = [];
    server.use(
      http.get(`${BASE}/api/me`, () => HttpResponse.json({ kind: 'user', login: 'ada', csrfToken: 'csrf-1' })),
      http.get(`${BASE}/api/apps`, ({ request }) =>
        request.headers.get('authorization') ? HttpResponse.json([], { status: 400 }) : HttpResponse.json([]),
      ),
      http.post(`${BASE}/api/auth/logout`, ({ request }) => {
        sent.push(request.headers.get('x-csrf-token'));
        return new HttpResponse(null, { status: 204 });
      }),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    const user = userEvent.setup();
    render(<Root config={config} />);
    expect(await screen.findByRole('heading', { name: 'Apps' })).toBeInTheDocument();
    expect(screen.getByText('ada')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('link', { name: 'Sign in with GitHub' })).toBeInTheDocument();
    expect(sent).toEqual(['csrf-1']);
    expect(window.localStorage.getItem('trellis.token')).toBeNull();
  });
});

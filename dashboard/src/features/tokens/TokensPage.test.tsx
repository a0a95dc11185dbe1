import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, ws } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';

import { Root } from '../../Root';
import { BASE, WS_URL } from '../../test/fixtures';
import { server } from '../../test/server';

afterEach(() => {
  window.history.pushState({}, '', '/');
});

describe('personal tokens', () => {
  it('shows a new token once, lists tokens without secrets, and revokes one', async () => {
    let tokens = [{ id: '01A', name: 'laptop', createdAt: '2026-11-01T00:00:00Z', expiresAt: '2027-01-30T00:00:00Z', lastUsedAt: null }];
    const created: unknown[] = [];
    const csrf: (string | null)[] = [];
    server.use(
      http.get(`${BASE}/api/me`, () => HttpResponse.json({ kind: 'user', login: 'ada', csrfToken: 'csrf-1' })),
      http.get(`${BASE}/api/tokens`, () => HttpResponse.json(tokens)),
      http.post(`${BASE}/api/tokens`, async ({ request }) => {
        created.push(await request.json());
        csrf.push(request.headers.get('x-csrf-token'));
        const token = { id: '01B', name: 'ci', createdAt: '2026-11-29T00:00:00Z', expiresAt: '2026-12-29T00:00:00Z', lastUsedAt: null };
        tokens = [token, ...tokens];
        return HttpResponse.json({ token, secret: 'trl_secret_shown_once' }, { status: 201 });
      }),
      http.delete(`${BASE}/api/tokens/01A`, ({ request }) => {
        csrf.push(request.headers.get('x-csrf-token'));
        tokens = tokens.filter((t) => t.id !== '01A');
        return new HttpResponse(null, { status: 204 });
      }),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    window.history.pushState({}, '', '/settings/tokens');
    const user = userEvent.setup();
    render(<Root config={{ apiBase: BASE, websocketUrl: WS_URL }} />);
    const list = await screen.findByRole('list', { name: 'Your tokens' });
    expect(await within(list).findByText('laptop')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Name'), 'ci');
    await user.clear(screen.getByLabelText('Expires in (days)'));
    await user.type(screen.getByLabelText('Expires in (days)'), '30');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByLabelText('New token', { selector: 'code' })).toHaveTextContent('trl_secret_shown_once');
    expect(created).toEqual([{ name: 'ci', expiresInDays: 30 }]);
    expect(await within(list).findByText('ci')).toBeInTheDocument();
    expect(list).not.toHaveTextContent('trl_');

    await user.click(screen.getByRole('button', { name: 'Revoke laptop' }));
    await waitFor(() => expect(within(list).queryByText('laptop')).not.toBeInTheDocument());
    expect(csrf).toEqual(['csrf-1', 'csrf-1']);
  });
});

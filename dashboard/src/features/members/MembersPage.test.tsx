import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import { BASE, WS_URL, app, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

function serve(yourRole?: 'viewer' | 'admin') {
  let members = [
    { login: 'ada', role: 'admin', source: 'github', grantedBy: 'github', updatedAt: '2026-11-29T00:00:00Z' },
    { login: 'grace', role: 'viewer', source: 'override', grantedBy: 'ada', updatedAt: '2026-11-29T00:00:00Z' },
  ];
  const puts: unknown[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json({ ...app('shop', [environment('development', 0)]), yourRole })),
    http.get(`${BASE}/api/apps/shop/members`, () => HttpResponse.json(members)),
    http.put(`${BASE}/api/apps/shop/members/:login`, async ({ request, params }) => {
      puts.push({ login: params.login, ...((await request.json()) as object) });
      members = [...members, { login: String(params.login), role: 'deployer', source: 'override', grantedBy: 'ada', updatedAt: '2026-11-29T00:00:00Z' }];
      return new HttpResponse(null, { status: 204 });
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return puts;
}

describe('members', () => {
  it('lists roles with their source and lets an admin set one', async () => {
    const puts = serve('admin');
    const { user } = renderAt('/apps/shop/members');
    const list = await screen.findByRole('list', { name: 'Members' });
    expect(await within(list).findByText(/from GitHub/)).toBeInTheDocument();
    expect(within(list).getByText(/set by ada/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('GitHub login'), 'linus');
    await user.selectOptions(screen.getByLabelText('Role'), 'deployer');
    await user.click(screen.getByRole('button', { name: 'Set role' }));
    expect(await within(list).findByText('linus')).toBeInTheDocument();
    expect(puts).toEqual([{ login: 'linus', role: 'deployer' }]);
  });

  it('shows a viewer the roles but nothing to change, saying why', async () => {
    serve('viewer');
    renderAt('/apps/shop/members');
    const list = await screen.findByRole('list', { name: 'Members' });
    const remove = await within(list).findByRole('button', { name: "Remove grace's override" });
    // The role comes with the app, which may load after the list.
    await waitFor(() => expect(remove).toBeDisabled());
    expect(remove).toHaveAccessibleDescription('Your role here is viewer: this needs the admin role.');
    expect(screen.getByRole('button', { name: 'Set role' })).toBeDisabled();
  });
});

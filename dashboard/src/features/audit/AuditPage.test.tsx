import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { AuditEntry, Role } from '../../api/types';
import { BASE, WS_URL, app, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

function entry(id: string, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    at: '2026-11-29T10:00:00Z',
    actor: 'ada',
    action: 'deploy',
    app: 'shop',
    target: 'shop/production',
    requestId: `req-${id}`,
    outcome: 'succeeded',
    status: 202,
    detail: null,
    ...over,
  };
}

/** The audit route answering with `pages` in turn; `me` is whom the token belongs to. */
function serve(me: { kind: string; login?: string }, pages: AuditEntry[][], roles: Record<string, Role | null> = { shop: null }) {
  const asked: URLSearchParams[] = [];
  server.use(
    http.get(`${BASE}/api/me`, () => HttpResponse.json(me)),
    http.get(`${BASE}/api/apps`, () =>
      HttpResponse.json(Object.entries(roles).map(([name, yourRole]) => ({ ...app(name, [environment('development', 0)]), yourRole }))),
    ),
    http.get(`${BASE}/api/audit`, ({ request }) => {
      const params = new URL(request.url).searchParams;
      asked.push(params);
      return HttpResponse.json(pages[asked.length - 1] ?? []);
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return asked;
}

const ADMIN_TOKEN = { kind: 'admin-token' };

describe('the audit log', () => {
  it('shows every entry with its time, actor, action, app, target, outcome, status and request id', async () => {
    serve(ADMIN_TOKEN, [
      [
        entry('e2', { actor: 'grace', action: 'approve', outcome: 'refused', status: 403, detail: 'grace asked for it: someone else must approve it' }),
        entry('e1', { action: 'environment.update', target: 'shop/development' }),
      ],
    ]);
    renderAt('/audit');
    const table = await screen.findByRole('table', { name: 'Audit entries, newest first' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Time',
      'Actor',
      'Action',
      'App',
      'Target',
      'Outcome',
      'Status',
      'Request id',
    ]);
    const [refused, succeeded] = within(table).getAllByRole('row').slice(1);
    if (!refused || !succeeded) throw new Error('two rows expected');
    const cells = within(refused).getAllByRole('cell').map((c) => c.textContent);
    expect(cells.slice(1)).toEqual([
      'grace',
      'approve',
      'shop',
      'shop/production',
      '⊘ refusedgrace asked for it: someone else must approve it',
      '403',
      'req-e2',
    ]);
    expect(within(refused).getByRole('link', { name: 'shop' })).toHaveAttribute('href', '/apps/shop');
    expect(within(succeeded).getByText('environment.update')).toBeInTheDocument();
    expect(screen.getByText(/2 entries, newest first/)).toHaveTextContent('That is all of them.');
  });

  it('sends the filters as query parameters and keeps them in the address', async () => {
    const asked = serve(ADMIN_TOKEN, [[entry('e1')], [entry('e1')]], { shop: null, blog: null });
    const { user } = renderAt('/audit');
    await screen.findByRole('table');
    expect(asked[0]?.toString()).toBe('limit=50');

    await user.selectOptions(screen.getByLabelText('App'), 'shop');
    await user.type(screen.getByLabelText('Actor'), ' ada ');
    await user.type(screen.getByLabelText('From'), '2026-11-29T10:00');
    await user.click(screen.getByRole('button', { name: 'Show entries' }));

    await waitFor(() => expect(asked).toHaveLength(2));
    const params = asked[1];
    expect(params?.get('app')).toBe('shop');
    expect(params?.get('actor')).toBe('ada');
    expect(params?.get('since')).toBe(new Date('2026-11-29T10:00').toISOString());
    expect(params?.has('until')).toBe(false);
    // The form shows what the address says.
    expect(screen.getByLabelText('App')).toHaveValue('shop');
    expect(screen.getByLabelText('From')).toHaveValue('2026-11-29T10:00');
  });

  it('refuses a range that ends before it starts, without asking', async () => {
    const asked = serve(ADMIN_TOKEN, [[entry('e1')]]);
    const { user } = renderAt('/audit');
    await screen.findByRole('table');
    await user.type(screen.getByLabelText('From'), '2026-11-29T10:00');
    await user.type(screen.getByLabelText('Until'), '2026-11-28T10:00');
    await user.click(screen.getByRole('button', { name: 'Show entries' }));
    expect(screen.getByLabelText('Until')).toHaveAccessibleDescription('The end of the range must come after its start.');
    expect(asked).toHaveLength(1);
  });

  it('reads older entries a page at a time, from the last one shown', async () => {
    const first = Array.from({ length: 50 }, (_, i) => entry(`e${100 - i}`));
    const asked = serve(ADMIN_TOKEN, [first, [entry('e50')]]);
    const { user } = renderAt('/audit?app=shop');
    await screen.findByText(/50 entries/);
    await user.click(screen.getByRole('button', { name: 'Show older entries' }));
    expect(await screen.findByText(/51 entries/)).toHaveTextContent('That is all of them.');
    expect(asked[1]?.get('before')).toBe('e51');
    expect(asked[1]?.get('app')).toBe('shop');
  });

  it("shows the API's refusal when the caller is not an admin of the app", async () => {
    serve({ kind: 'user', login: 'grace' }, [], { shop: 'deployer' });
    server.use(
      http.get(`${BASE}/api/audit`, () =>
        HttpResponse.json(
          {
            error: {
              code: 'forbidden',
              message: 'grace may not read the audit log in shop: that needs the admin role, and their role there is deployer',
            },
          },
          { status: 403 },
        ),
      ),
    );
    renderAt('/audit?app=shop');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Not allowed: grace may not read the audit log in shop: that needs the admin role, and their role there is deployer',
    );
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('asks a user for an app they administer rather than reading the whole log', async () => {
    const asked = serve({ kind: 'user', login: 'ada' }, [[entry('e1')]], { shop: 'admin', blog: 'viewer' });
    const { user } = renderAt('/audit');
    expect(await screen.findByText('Choose an app you administer to read its entries.')).toBeInTheDocument();
    const select = screen.getByLabelText('App');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose an app…', 'shop']));
    expect(asked).toEqual([]);
    await user.selectOptions(select, 'shop');
    await user.click(screen.getByRole('button', { name: 'Show entries' }));
    await screen.findByRole('table');
    expect(asked.map((p) => p.get('app'))).toEqual(['shop']);
  });
});

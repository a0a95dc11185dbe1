import { act, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Delivery, Destination } from '../../api/types';
import { BASE, WS_URL } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const SLACK: Destination = {
  id: 'n1',
  name: '#deploys',
  kind: 'slack',
  events: ['deployment.succeeded', 'deployment.failed'],
  host: 'hooks.slack.com',
  createdAt: '2026-11-20T10:00:00Z',
  createdBy: 'ada',
};
const HOOK: Destination = {
  id: 'n2',
  name: 'ci',
  kind: 'webhook',
  events: ['deployment.failed'],
  host: 'ci.example.com',
  createdAt: '2026-11-21T10:00:00Z',
  createdBy: 'grace',
};

function delivery(id: string, over: Partial<Delivery> = {}): Delivery {
  return {
    id,
    event: 'deployment.failed',
    deploymentId: 'd7',
    attempts: 1,
    createdAt: '2026-11-29T10:00:00Z',
    deliveredAt: '2026-11-29T10:00:01Z',
    lastError: null,
    failures: [],
    gaveUp: false,
    nextAttemptAt: null,
    ...over,
  };
}

const in30s = () => new Date(Date.now() + 30_000).toISOString();

interface Served {
  posted: unknown[];
  deleted: string[];
  deliveryReads: () => number;
}

function serve(options: { deliveries?: () => Delivery[]; create?: (body: unknown) => Response } = {}): Served {
  let destinations = [SLACK, HOOK];
  const posted: unknown[] = [];
  const deleted: string[] = [];
  let reads = 0;
  server.use(
    http.get(`${BASE}/api/apps/shop/notifications`, () => HttpResponse.json(destinations)),
    http.get(`${BASE}/api/apps/shop/notifications/n2/deliveries`, () => {
      reads += 1;
      return HttpResponse.json(options.deliveries?.() ?? []);
    }),
    http.post(`${BASE}/api/apps/shop/notifications`, async ({ request }) => {
      const body = (await request.json()) as { name: string; kind: 'slack' | 'webhook'; events: string[] };
      posted.push(body);
      const refused = options.create?.(body);
      if (refused) return refused;
      const destination: Destination = { ...HOOK, id: 'n3', name: body.name, kind: body.kind, events: body.events, host: 'hooks.example.org' };
      destinations = [...destinations, destination];
      const signingKey = body.kind === 'webhook' ? 'whsec_shown_once_1234' : null;
      return HttpResponse.json({ destination, signingKey }, { status: 201 });
    }),
    http.delete(`${BASE}/api/apps/shop/notifications/:id`, ({ params }) => {
      deleted.push(String(params.id));
      destinations = destinations.filter((d) => d.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return { posted, deleted, deliveryReads: () => reads };
}

function refuse(status: number, field: string | undefined, message: string) {
  return HttpResponse.json({ error: { code: status === 422 ? 'invalid' : 'forbidden', message, field } }, { status });
}

async function destination(name: string) {
  const list = await screen.findByRole('list', { name: 'Destinations' });
  return within(await within(list).findByRole('listitem', { name }));
}

describe('notifications', () => {
  it('lists destinations and their deliveries, failures too, reading pending ones again', async () => {
    let pending = true;
    const { deliveryReads } = serve({
      deliveries: () => [
        pending
          ? delivery('x3', { attempts: 2, deliveredAt: null, lastError: 'HTTP 500 from ci.example.com', nextAttemptAt: in30s() })
          : delivery('x3', {
              attempts: 3,
              failures: [
                { at: '2026-11-29T10:00:02Z', error: 'HTTP 500 from ci.example.com' },
                { at: '2026-11-29T10:00:07Z', error: 'HTTP 502 from ci.example.com' },
              ],
            }),
        delivery('x2', { event: 'deployment.succeeded', deploymentId: 'd6', deliveredAt: null, attempts: 8, gaveUp: true, lastError: 'connection refused' }),
        delivery('x1', { deploymentId: 'd5' }),
      ],
    });
    const { user } = renderAt('/apps/shop/notifications');
    const slack = await destination('#deploys');
    expect(slack.getByText('Slack incoming webhook')).toBeInTheDocument();
    expect(slack.getByText('hooks.slack.com')).toBeInTheDocument();
    expect(slack.getByText(/A deployment succeeded · A deployment failed/)).toHaveTextContent('Added by ada');

    const hook = await destination('ci');
    expect(hook.getByText('Webhook')).toBeInTheDocument();
    const toggle = hook.getByRole('button', { name: 'Recent deliveries' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(deliveryReads()).toBe(0);
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');

    const items = within(await hook.findByRole('list', { name: 'Deliveries to ci' })).getAllByRole('listitem');
    expect(items.map((i) => within(i).getByRole('link').getAttribute('href'))).toEqual(['/deployments/d7', '/deployments/d6', '/deployments/d5']);
    expect(items[0]).toHaveTextContent(/pending: 2 attempts so far, next try in \d+ s/);
    expect(items[0]).toHaveTextContent('Last try failed: HTTP 500 from ci.example.com');
    expect(items[1]).toHaveTextContent('A deployment succeeded');
    expect(items[1]).toHaveTextContent('Trellis gave up after 8 attempts');
    expect(items[1]).toHaveTextContent('Last try failed: connection refused');
    expect(items[2]).toHaveTextContent('delivered');

    // Sent in the background: the list is read again until nothing is pending.
    pending = false;
    await waitFor(() => expect(hook.getAllByRole('listitem')[0]).toHaveTextContent('delivered'), { timeout: 6_000 });
    expect(hook.getAllByRole('listitem')[0]).toHaveTextContent('(after 3 attempts)');
    // The failed tries stay listed after it was delivered.
    expect(hook.getAllByRole('listitem')[0]).toHaveTextContent('2 failed tries before');
    expect(hook.getAllByRole('listitem')[0]).toHaveTextContent('HTTP 502 from ci.example.com');
    const settled = deliveryReads();
    await act(() => new Promise((resolve) => setTimeout(resolve, 3_500)));
    expect(deliveryReads()).toBe(settled);
  });

  it('checks the form as the API would, and shows the API’s own refusal by its field', async () => {
    const { posted } = serve({
      create: (body) =>
        (body as { name: string }).name === 'taken' ? refuse(422, 'url', 'the URL may not hold a user name or password') : refuse(409, undefined, 'shop has 10 destinations already'),
    });
    const { user } = renderAt('/apps/shop/notifications');
    await destination('#deploys');
    const form = within(screen.getByRole('form', { name: 'Add a destination' }));
    expect(form.getByRole('checkbox', { name: /A deployment succeeded/ })).toBeChecked();
    expect(form.getByRole('checkbox', { name: /A deployment failed/ })).toBeChecked();
    expect(form.getByRole('checkbox', { name: /awaits approval/ })).toBeChecked();
    expect(form.getByRole('checkbox', { name: /A deployment started/ })).not.toBeChecked();
    const url = form.getByLabelText('URL');
    expect(url).toHaveAttribute('type', 'url');
    expect(url).toHaveAccessibleDescription(expect.stringContaining('stored as a secret and never shown again'));

    await user.type(url, 'http://example.com/hook');
    for (const name of [/A deployment succeeded/, /A deployment failed/, /awaits approval/]) {
      await user.click(form.getByRole('checkbox', { name }));
    }
    await user.click(form.getByRole('button', { name: 'Add destination' }));
    expect(form.getByLabelText('Name')).toHaveAccessibleDescription(expect.stringContaining('Give the destination a name of 1 to 60 characters.'));
    expect(url).toHaveAccessibleDescription(expect.stringContaining('Use https (plain http only to this machine).'));
    expect(url).toBeInvalid();
    expect(form.getByRole('group', { name: 'Events' })).toHaveAccessibleDescription('Choose at least one event to hear of.');
    expect(posted).toEqual([]);

    await user.type(form.getByLabelText('Name'), 'taken');
    await user.clear(url);
    await user.type(url, 'https://hooks.example.org/x');
    await user.click(form.getByRole('checkbox', { name: /A deployment started/ }));
    await user.click(form.getByRole('button', { name: 'Add destination' }));
    await waitFor(() => expect(url).toHaveAccessibleDescription(expect.stringContaining('the URL may not hold a user name or password')));
    expect(form.getByLabelText('Name')).toBeValid();
    expect(posted).toEqual([{ name: 'taken', kind: 'slack', url: 'https://hooks.example.org/x', events: ['deployment.started'] }]);

    // A refusal that names no field is said under the form.
    await user.clear(form.getByLabelText('Name'));
    await user.type(form.getByLabelText('Name'), 'one more');
    await user.click(form.getByRole('button', { name: 'Add destination' }));
    expect(await form.findByText('shop has 10 destinations already')).toBeInTheDocument();
    expect(url).toBeValid();
  });

  it('shows a new webhook’s signing key once, with how to check it, and never in the list', async () => {
    const { posted } = serve();
    const { user } = renderAt('/apps/shop/notifications');
    await destination('#deploys');
    const form = within(screen.getByRole('form', { name: 'Add a destination' }));
    await user.type(form.getByLabelText('Name'), '  releases  ');
    await user.selectOptions(form.getByLabelText('Kind'), 'webhook');
    await user.type(form.getByLabelText('URL'), 'https://hooks.example.org/trellis');
    await user.click(form.getByRole('button', { name: 'Add destination' }));

    const notice = within(await screen.findByRole('region', { name: 'Signing key for releases' }));
    expect(notice.getByLabelText('Signing key')).toHaveTextContent('whsec_shown_once_1234');
    expect(notice.getByText(/it is not shown again/)).toBeInTheDocument();
    expect(notice.getAllByText('X-Trellis-Signature-256').length).toBeGreaterThan(0);
    await user.click(notice.getByRole('button', { name: 'Copy' }));
    expect(await notice.findByText('Copied.')).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe('whsec_shown_once_1234');
    expect(posted).toEqual([
      { name: 'releases', kind: 'webhook', url: 'https://hooks.example.org/trellis', events: ['deployment.succeeded', 'deployment.failed', 'approval.needed'] },
    ]);

    await destination('releases');
    expect(screen.getByRole('list', { name: 'Destinations' })).not.toHaveTextContent('whsec_');
    expect(form.getByLabelText('Name')).toHaveValue('');
    expect(form.getByLabelText('URL')).toHaveValue('');

    await user.click(notice.getByRole('button', { name: 'I have saved the key' }));
    expect(screen.queryByRole('region', { name: 'Signing key for releases' })).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent('whsec_');
  });

  it('removes a destination only once asked', async () => {
    const { deleted } = serve();
    const { user } = renderAt('/apps/shop/notifications');
    const slack = await destination('#deploys');

    await user.click(slack.getByRole('button', { name: 'Remove' }));
    let dialog = within(screen.getByRole('alertdialog', { name: 'Remove #deploys?' }));
    expect(dialog.getByText(/stops sending to hooks\.slack\.com/)).toBeInTheDocument();
    await user.click(dialog.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(deleted).toEqual([]);

    await user.click(slack.getByRole('button', { name: 'Remove' }));
    dialog = within(screen.getByRole('alertdialog', { name: 'Remove #deploys?' }));
    await user.click(dialog.getByRole('button', { name: 'Remove' }));
    const list = screen.getByRole('list', { name: 'Destinations' });
    await waitFor(() => expect(within(list).queryByRole('listitem', { name: '#deploys' })).not.toBeInTheDocument());
    expect(within(list).getByRole('listitem', { name: 'ci' })).toBeInTheDocument();
    expect(deleted).toEqual(['n1']);
  });

  it('shows a non-admin why the page is not for them, and nothing to change', async () => {
    server.use(
      http.get(`${BASE}/api/apps/shop/notifications`, () =>
        refuse(403, undefined, 'grace may not configure the app in shop: that needs the admin role, and their role there is deployer'),
      ),
      ws.link(WS_URL).addEventListener('connection', () => undefined),
    );
    renderAt('/apps/shop/notifications', { login: 'grace' });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Not allowed: grace may not configure the app in shop: that needs the admin role, and their role there is deployer',
    );
    expect(screen.queryByRole('form')).not.toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Destinations' })).not.toBeInTheDocument();
  });
});

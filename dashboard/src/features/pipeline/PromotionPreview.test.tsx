import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, delay, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Commit, PromotionPreview } from '../../api/types';
import { BASE, WS_URL, app, commitA, commitB, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const dev = environment('development', 0, { state: 'deployed', currentDeployment: 'd1', currentCommit: commitA });
const staging = environment('staging', 1, { state: 'deployed', currentDeployment: 'd2', currentCommit: commitB });

function commit(n: number): Commit {
  return { sha: `${String(n).padStart(2, '0')}c0ffee${'0'.repeat(32)}`, message: `Change number ${n}\n\ndetails`, author: `dev${n}` };
}

function preview(over: Partial<PromotionPreview> = {}): PromotionPreview {
  return {
    from: 'development',
    to: 'staging',
    candidate: commitA,
    current: commitB,
    commits: [commit(3), commit(2)],
    total: 2,
    behind: 0,
    nextSkip: null,
    commitsUnavailable: null,
    configChanges: [],
    ...over,
  };
}

/** The pipeline with development ahead of staging; `answer` is the preview for a request's
 * `skip` and `limit`. Gives the previews asked for (as `skip/limit`) and the promotions posted. */
function serve(answer: (skip: number, limit: number) => Response | Promise<Response>) {
  const asked: string[] = [];
  const posted: string[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(app('shop', [dev, staging, environment('production', 2)]))),
    http.get(`${BASE}/api/deployments/:id`, ({ params }) => HttpResponse.json(deployment(String(params.id)))),
    http.get(`${BASE}/api/apps/shop/environments/development/promote`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      asked.push(`${query.get('skip') ?? ''}/${query.get('limit') ?? ''}`);
      return answer(Number(query.get('skip')), Number(query.get('limit')));
    }),
    http.post(`${BASE}/api/apps/shop/environments/development/promote`, ({ request }) => {
      posted.push(new URL(request.url).pathname);
      return HttpResponse.json(deployment('d9', { environment: 'staging', status: 'queued', trigger: 'promote' }), { status: 202 });
    }),
    ws.link(WS_URL).addEventListener('connection', () => undefined),
  );
  return { asked, posted };
}

/** The paragraph that starts with `start` (its text spans several elements). */
function paragraph(start: string) {
  return (_: string, element: Element | null) => element?.tagName === 'P' && element.textContent.startsWith(start);
}

/** Opens the promotion's confirmation from development's column. */
async function openPromotion() {
  const rendered = renderAt('/apps/shop');
  const column = await screen.findByRole('listitem', { name: 'development' });
  await rendered.user.click(within(column).getByRole('button', { name: 'Promote to staging' }));
  const dialog = within(screen.getByRole('alertdialog', { name: 'Promote shop to staging?' }));
  return { ...rendered, column, dialog };
}

describe('the promotion confirmation', () => {
  it('lists the commits and changed settings that would ship, and confirming promotes', async () => {
    const { posted } = serve(() =>
      HttpResponse.json(
        preview({
          configChanges: [
            { setting: 'variables.API_URL', change: 'added' },
            { setting: 'deployCommand', change: 'changed' },
          ],
        }),
      ),
    );
    const { user, column, dialog } = await openPromotion();

    expect(await dialog.findByText('2 commits to ship.')).toBeInTheDocument();
    expect(dialog.getByText(paragraph('development → staging:'))).toHaveTextContent('development → staging: a1b2c3d Add the landing page');
    const commits = dialog.getByRole('list', { name: 'Commits to ship' });
    expect(within(commits).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '03c0ffe Change number 3 — dev3',
      '02c0ffe Change number 2 — dev2',
    ]);
    expect(within(commits).getByRole('link', { name: '03c0ffe' })).toHaveAttribute('href', `https://github.com/acme/shop/commit/${commit(3).sha}`);
    expect(dialog.getByText(/^Settings of staging changed/)).toHaveTextContent(
      'Settings of staging changed since its deployment: variables.API_URL (added), deployCommand (changed).',
    );
    expect(dialog.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(dialog.queryByText(/would go away/)).not.toBeInTheDocument();
    expect(posted).toEqual([]);

    await user.click(dialog.getByRole('button', { name: 'Promote to staging' }));
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/development/promote']));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(await within(column).findByRole('link', { name: 'follow it' })).toHaveAttribute('href', '/deployments/d9');
  });

  it('reads the next page from where the last one ended', async () => {
    const all = [5, 4, 3, 2, 1].map(commit);
    const { asked } = serve((skip) => {
      const commits = all.slice(skip, skip + 2);
      const listed = skip + commits.length;
      return HttpResponse.json(preview({ commits, total: all.length, nextSkip: listed < all.length ? listed : null }));
    });
    const { user, dialog } = await openPromotion();
    const commits = await dialog.findByRole('list', { name: 'Commits to ship' });
    expect(within(commits).getAllByRole('listitem')).toHaveLength(2);
    expect(dialog.getByText(/of 5 shown/)).toHaveTextContent('2 of 5 shown');

    await user.click(dialog.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(commits).getAllByRole('listitem')).toHaveLength(4));
    await user.click(dialog.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(commits).getAllByRole('listitem')).toHaveLength(5));
    expect(within(commits).getAllByRole('listitem').map((li) => li.textContent.slice(0, 7))).toEqual(
      all.map((c) => c.sha.slice(0, 7)),
    );
    expect(dialog.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(asked).toEqual(['0/50', '2/50', '4/50']);
  });

  it('warns of commits running in the target that the candidate lacks', async () => {
    serve(() => HttpResponse.json(preview({ commits: [commit(1)], total: 1, behind: 3 })));
    const { dialog } = await openPromotion();
    expect(await dialog.findByText('1 commit to ship.')).toBeInTheDocument();
    expect(dialog.getByText('3 commits running in staging are not in this one and would go away.')).toBeInTheDocument();
  });

  it('says when the target has nothing deployed, or runs this commit already', async () => {
    serve(() => HttpResponse.json(preview({ current: null, commits: [], total: 0 })));
    const first = await openPromotion();
    expect(await first.dialog.findByText('staging has nothing deployed yet.')).toBeInTheDocument();
    expect(first.dialog.queryByRole('list', { name: 'Commits to ship' })).not.toBeInTheDocument();
    // No deployment there: no settings to compare with.
    expect(first.dialog.queryByText(/Settings of staging/)).not.toBeInTheDocument();
    first.unmount();

    serve(() => HttpResponse.json(preview({ current: commitA, commits: [], total: 0 })));
    const { dialog } = await openPromotion();
    expect(await dialog.findByText('staging already runs this commit.')).toBeInTheDocument();
    expect(dialog.getByText('Settings of staging unchanged since its deployment.')).toBeInTheDocument();
  });

  it('notes why the commits could not be listed, and still shows the settings', async () => {
    serve(() =>
      HttpResponse.json(
        preview({
          commits: [],
          total: 0,
          commitsUnavailable: 'commit b2c3d4e is not in acme/shop',
          configChanges: [{ setting: 'secrets.STRIPE_KEY', change: 'removed' }],
        }),
      ),
    );
    const { dialog } = await openPromotion();
    expect(await dialog.findByRole('note')).toHaveTextContent('The commits cannot be listed: commit b2c3d4e is not in acme/shop');
    expect(dialog.queryByText(/to ship\./)).not.toBeInTheDocument();
    expect(dialog.getByText(/^Settings of staging changed/)).toHaveTextContent(
      'Settings of staging changed since its deployment: secrets.STRIPE_KEY (removed).',
    );
  });

  it('lets the promotion be confirmed while the preview loads, naming what it deploys meanwhile', async () => {
    const { posted } = serve(async () => {
      await delay('infinite');
      return HttpResponse.json(preview());
    });
    const { user, dialog } = await openPromotion();
    expect(dialog.getByRole('status')).toHaveTextContent('Reading what this promotion ships…');
    expect(dialog.getByText(paragraph('development → staging:'))).toHaveTextContent('development → staging: a1b2c3d Add the landing page');
    const confirm = dialog.getByRole('button', { name: 'Promote to staging' });
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/development/promote']));
  });

  it("shows the API's refusal in words and still lets the promotion be asked for", async () => {
    const { posted } = serve(() =>
      HttpResponse.json(
        { error: { code: 'conflict', message: 'development has no succeeded deployment to promote' } },
        { status: 409 },
      ),
    );
    const { user, dialog } = await openPromotion();
    expect(await dialog.findByRole('alert')).toHaveTextContent(
      'What it ships could not be read: development has no succeeded deployment to promote',
    );
    await user.click(dialog.getByRole('button', { name: 'Promote to staging' }));
    await waitFor(() => expect(posted).toEqual(['/api/apps/shop/environments/development/promote']));
  });

  it('asks nothing when cancelled', async () => {
    const { asked, posted } = serve(() => HttpResponse.json(preview()));
    const { user, dialog } = await openPromotion();
    await dialog.findByText('2 commits to ship.');
    await user.click(dialog.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(asked).toEqual(['0/50']);
    expect(posted).toEqual([]);
  });
});

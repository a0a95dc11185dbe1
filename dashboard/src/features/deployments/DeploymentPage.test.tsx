import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Deployment, Feedback, LogLine } from '../../api/types';
import { BASE, WS_URL, app, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const live = ws.link(WS_URL);

function line(seq: number, text = `line ${seq}`): LogLine {
  return { seq, timestamp: 1_700_000_000_000 + seq * 10, text };
}

function range(from: number, to: number, text?: (seq: number) => string): LogLine[] {
  return Array.from({ length: to - from + 1 }, (_, i) => line(from + i, text?.(from + i)));
}

/** A deployment whose stored log the test controls, served like `GET …/logs?after=&limit=`. */
function serveDeployment(d: Deployment, stored: LogLine[]) {
  const reads: number[] = [];
  server.use(
    http.get(`${BASE}/api/deployments/${d.id}`, () => HttpResponse.json(d)),
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(app('shop', [environment('development', 0)]))),
    http.get(`${BASE}/api/deployments/${d.id}/logs`, ({ request }) => {
      const params = new URL(request.url).searchParams;
      const after = Number(params.get('after'));
      const limit = Number(params.get('limit'));
      reads.push(after);
      const lines = stored.filter((l) => l.seq > after).slice(0, limit);
      const finished = ['succeeded', 'failed', 'cancelled'].includes(d.status);
      return HttpResponse.json({ lines, complete: finished && lines.length < limit });
    }),
  );
  return reads;
}

function shownSeqs(): number[] {
  return Array.from(screen.getByRole('log').querySelectorAll('[data-seq]')).map((el) => Number(el.getAttribute('data-seq')));
}

describe('the deployment view', () => {
  it('streams lines live and, after a dropped connection, fills the gap with no duplicates', async () => {
    const stored = range(1, 3);
    serveDeployment(deployment('d5', { status: 'running', finishedAt: null, durationMs: null }), stored);
    let connections = 0;
    server.use(
      live.addEventListener('connection', ({ client }) => {
        connections += 1;
        const which = connections;
        client.addEventListener('message', (event) => {
          const message = JSON.parse(typeof event.data === "string" ? event.data : "{}") as { action: string; deploymentId?: string };
          if (message.action !== 'subscribe' || message.deploymentId !== 'd5') return;
          client.send(JSON.stringify({ type: 'subscribed', topics: [{ kind: 'deployment', id: 'd5' }] }));
          if (which === 1) {
            stored.push(...range(4, 5));
            client.send(JSON.stringify({ type: 'log', deploymentId: 'd5', lines: range(4, 5) }));
            // The runner prints on while the connection is down.
            stored.push(...range(6, 9));
            client.close();
          } else {
            // After the reconnect, a push overlapping what the gap-fill reads.
            stored.push(line(10));
            client.send(JSON.stringify({ type: 'log', deploymentId: 'd5', lines: range(8, 10) }));
          }
        });
      }),
    );

    renderAt('/deployments/d5');
    await waitFor(() => expect(shownSeqs()).toEqual(range(1, 10).map((l) => l.seq)), { timeout: 5000 });
    expect(connections).toBe(2);
    expect(screen.getByText('Streaming · 10 lines so far')).toBeInTheDocument();
  });

  it('reads lines ahead of a gap only once the gap is filled', async () => {
    const stored = range(1, 12);
    serveDeployment(deployment('d6', { status: 'running', finishedAt: null, durationMs: null }), range(1, 2));
    server.use(
      http.get(`${BASE}/api/deployments/d6/logs`, ({ request }) => {
        const after = Number(new URL(request.url).searchParams.get('after'));
        return HttpResponse.json({ lines: stored.filter((l) => l.seq > after && l.seq <= 10), complete: false });
      }),
      live.addEventListener('connection', ({ client }) => {
        client.addEventListener('message', () => {
          // Line 12 arrives before 11 was seen anywhere: it waits until the API has given 11.
          client.send(JSON.stringify({ type: 'log', deploymentId: 'd6', lines: [line(12)] }));
          client.send(JSON.stringify({ type: 'log', deploymentId: 'd6', lines: [line(11)] }));
        });
      }),
    );
    renderAt('/deployments/d6');
    await waitFor(() => expect(shownSeqs()).toEqual(range(1, 12).map((l) => l.seq)));
  });

  it('shows steps, colours, the final status and the error reason of a finished deployment', async () => {
    const failed = deployment('d7', { status: 'failed', error: 'deploy exited with code 1', requestedBy: 'push by linus' });
    serveDeployment(failed, [
      line(1, '==> clone: git fetch --depth 1 origin a1b2c3d'),
      line(2, '<== clone succeeded in 0.4s'),
      line(3, '==> install: skipped (no package.json)'),
      line(4, '==> deploy: npx sst deploy --stage development'),
      line(5, '\u001b[31mError: bucket name taken\u001b[39m'),
      line(6, '<== deploy failed in 3.2s (exit code 1)'),
    ]);
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/d7');
    expect(await screen.findByText('push by linus')).toBeInTheDocument();

    expect(await screen.findByRole('alert')).toHaveTextContent('Failed: deploy exited with code 1');
    expect(await screen.findByText('End of log · 6 lines')).toBeInTheDocument();
    const steps = within(screen.getByRole('list', { name: 'Steps' }));
    expect(steps.getByRole('button', { name: /clone succeeded 0.4s/ })).toBeInTheDocument();
    expect(steps.getByRole('button', { name: /install skipped/ })).toBeInTheDocument();
    expect(steps.getByRole('button', { name: /deploy failed 3.2s/ })).toBeInTheDocument();
    const red = screen.getByText('Error: bucket name taken');
    expect(red).toHaveStyle({ color: 'rgb(187, 0, 0)' });
    expect(screen.getByRole('log')).not.toHaveTextContent('\u001b');
  });

  it('keeps a 100 000-line log out of the page but for the lines in view', async () => {
    serveDeployment(deployment('d8'), range(1, 100_000));
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/d8');
    expect(await screen.findByText('End of log · 100000 lines', {}, { timeout: 20_000 })).toBeInTheDocument();
    // Only a screenful (and some overscan) is in the page. That the view follows the tail
    // needs real layout: the browser test checks it.
    const shown = shownSeqs();
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.length).toBeLessThan(200);
  });
});

function feedback(target: 'github-deployment' | 'github-status', over: Partial<Feedback> = {}): Feedback {
  return { target, desired: 'success', delivered: 'success', attempts: 1, lastError: null, gaveUp: false, nextAttemptAt: null, ...over };
}

/** The "On GitHub" section's line for `label` ("GitHub deployment", "Commit status …"). */
async function githubLine(label: string): Promise<HTMLElement> {
  const list = await screen.findByRole('list', { name: 'On GitHub' });
  const item = within(list)
    .getAllByRole('listitem')
    .find((li) => li.textContent.startsWith(`${label}:`));
  if (!item) throw new Error(`no line for ${label} in: ${list.textContent}`);
  return item;
}

function shownStatus(): string | null | undefined {
  return document.querySelector('.deployment-header [data-status]')?.getAttribute('data-status');
}

describe('how the deployment was reported on GitHub', () => {
  it('says what GitHub shows once it has been told', async () => {
    serveDeployment(deployment('f1', { feedback: [feedback('github-deployment'), feedback('github-status')] }), []);
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/f1');

    expect(await screen.findByRole('region', { name: 'On GitHub' })).toBeInTheDocument();
    expect(await githubLine('GitHub deployment')).toHaveTextContent('GitHub deployment: ✓ shows success');
    expect(await githubLine('Commit status trellis/development')).toHaveTextContent('shows success');
  });

  it('says what is still to be told and when it is tried next, and settles without a reload', async () => {
    const inTenMinutes = new Date(Date.now() + 10 * 60_000).toISOString();
    let reads = 0;
    serveDeployment(deployment('f2'), []);
    server.use(
      live.addEventListener('connection', () => undefined),
      http.get(`${BASE}/api/deployments/f2`, () => {
        reads += 1;
        const told = reads > 1;
        return HttpResponse.json(
          deployment('f2', {
            feedback: [
              feedback('github-deployment', told ? {} : { delivered: 'in_progress', nextAttemptAt: inTenMinutes }),
              feedback('github-status', told ? {} : { delivered: null, attempts: 0, nextAttemptAt: inTenMinutes }),
            ],
          }),
        );
      }),
    );
    renderAt('/deployments/f2');

    expect(await githubLine('GitHub deployment')).toHaveTextContent('updating: in progress → success, next try in 10 min');
    expect(await githubLine('Commit status trellis/development')).toHaveTextContent(
      'updating: nothing yet → success, next try in 10 min',
    );
    // The page reads the deployment again while something is pending.
    await waitFor(async () => expect(await githubLine('GitHub deployment')).toHaveTextContent('shows success'), { timeout: 6000 });
    expect(await githubLine('Commit status trellis/development')).toHaveTextContent('shows success');
  });

  it("warns with GitHub's answer while it keeps trying", async () => {
    const failing = feedback('github-deployment', {
      desired: 'in_progress',
      delivered: 'queued',
      attempts: 3,
      lastError: '502 Bad Gateway',
      nextAttemptAt: new Date(Date.now() + 2 * 60_000).toISOString(),
    });
    serveDeployment(deployment('f3', { status: 'running', finishedAt: null, durationMs: null, feedback: [failing] }), []);
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/f3');

    const line = await githubLine('GitHub deployment');
    expect(line).toHaveTextContent('updating: queued → in progress, next try in 2 min');
    expect(within(line).getByText(/GitHub answered/)).toHaveTextContent('⚠ GitHub answered: 502 Bad Gateway (3 attempts so far)');
  });

  it('says when Trellis gave up, and why', async () => {
    const stopped = feedback('github-status', {
      desired: 'failure',
      delivered: 'pending',
      attempts: 6,
      lastError: 'Resource not accessible by integration',
      gaveUp: true,
    });
    serveDeployment(deployment('f4', { status: 'failed', error: 'deploy exited with code 1', feedback: [stopped] }), []);
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/f4');

    const line = await githubLine('Commit status trellis/development');
    expect(line).toHaveTextContent(
      "Trellis stopped trying after 6 attempts; it tries again at the deployment's next change",
    );
    expect(line).toHaveTextContent('GitHub answered: Resource not accessible by integration');
    expect(line).not.toHaveTextContent('next try');
  });

  it('shows no section for an app that is not on GitHub', async () => {
    serveDeployment(deployment('f5'), []);
    server.use(live.addEventListener('connection', () => undefined));
    renderAt('/deployments/f5');

    expect(await screen.findByText('End of log · 0 lines')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'On GitHub' })).not.toBeInTheDocument();
  });

  it('keeps the section through a pushed update, which carries no feedback, and reads it anew', async () => {
    const running = deployment('f6', { status: 'running', finishedAt: null, durationMs: null });
    let reads = 0;
    let push: ((d: Deployment) => void) | undefined;
    serveDeployment(running, []);
    server.use(
      http.get(`${BASE}/api/deployments/f6`, async () => {
        reads += 1;
        if (reads === 1) {
          return HttpResponse.json({
            ...running,
            feedback: [feedback('github-deployment', { desired: 'in_progress', delivered: 'in_progress' })],
          });
        }
        // Slow enough that the pushed state is shown before the new feedback arrives.
        await delay(300);
        return HttpResponse.json(deployment('f6', { feedback: [feedback('github-deployment')] }));
      }),
      live.addEventListener('connection', ({ client }) => {
        push = (d) => client.send(JSON.stringify({ type: 'deployment', deployment: d }));
      }),
    );
    renderAt('/deployments/f6');
    expect(await githubLine('GitHub deployment')).toHaveTextContent('shows in progress');
    await waitFor(() => expect(push).toBeDefined());

    push?.(deployment('f6'));

    await waitFor(() => expect(shownStatus()).toBe('succeeded'));
    expect(await githubLine('GitHub deployment')).toHaveTextContent('shows in progress');
    await waitFor(async () => expect(await githubLine('GitHub deployment')).toHaveTextContent('shows success'));
    expect(reads).toBe(2);
  });
});

import { screen, within } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { CacheReport, Deployment } from '../../api/types';
import { BASE, WS_URL, app, deployment, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';
import { cacheSentence } from './CacheReport';

const live = ws.link(WS_URL);
const KEY = 'npm-node22-3f9a1c0b';

function serve(d: Deployment) {
  server.use(
    http.get(`${BASE}/api/deployments/${d.id}`, () => HttpResponse.json(d)),
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json(app('shop', [environment('development', 0)]))),
    http.get(`${BASE}/api/deployments/${d.id}/logs`, () => HttpResponse.json({ lines: [], complete: true })),
    live.addEventListener('connection', () => undefined),
  );
}

/** The deployment page's dependency cache line for `cache`. */
async function shownLine(cache: CacheReport) {
  serve(deployment('c1', { cache }));
  renderAt('/deployments/c1');
  return screen.findByRole('region', { name: 'Dependency cache' });
}

describe("the deployment's dependency cache", () => {
  it('says what a hit restored, and how fast, with the key', async () => {
    const line = await shownLine({ status: 'hit', key: KEY, bytes: 45_230_000, restoreMs: 800 });
    expect(line).toHaveTextContent(`Dependency cache: Cache hit — 45.2 MB restored in 0.8 s key ${KEY}`);
    expect(within(line).getByText(KEY).tagName).toBe('CODE');
    expect(within(line).getByText(KEY)).toHaveClass('muted');
  });

  it('says a miss installed from scratch and what it saved', async () => {
    const line = await shownLine({ status: 'miss', key: KEY, bytes: 45_230_000, saveMs: 1_900, restoreMs: 12 });
    expect(line).toHaveTextContent('Cache miss — installed from scratch, saved 45.2 MB in 1.9 s');
  });

  it('says why a stored cache was unusable', async () => {
    const line = await shownLine({
      status: 'unusable',
      key: KEY,
      note: 'the saved cache was unusable: unexpected end of archive',
      bytes: 44_000_000,
      saveMs: 2_100,
    });
    expect(line).toHaveTextContent(
      'Cache unusable — unexpected end of archive; installed from scratch, saved a fresh 44.0 MB in 2.1 s',
    );
  });

  it('says when the cache is off', async () => {
    const line = await shownLine({ status: 'off', note: 'off for this environment' });
    expect(line).toHaveTextContent('Dependency cache: Cache off for this environment');
  });

  it('shows nothing for a deployment without a report', async () => {
    serve(deployment('c2'));
    renderAt('/deployments/c2');
    expect(await screen.findByText('End of log · 0 lines')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Dependency cache' })).not.toBeInTheDocument();
  });
});

describe('the cache sentence', () => {
  it('covers a save that failed and what had nothing to cache', () => {
    expect(cacheSentence({ status: 'miss', key: KEY, note: 'not saved: disk full' })).toBe(
      'Cache miss — installed from scratch; not saved: disk full',
    );
    expect(cacheSentence({ status: 'unusable', key: KEY })).toBe(
      'Cache unusable — the stored cache could not be used; installed from scratch',
    );
    expect(cacheSentence({ status: 'none', note: 'nothing to cache (no package.json)' })).toBe(
      'Nothing to cache (no package.json)',
    );
    expect(cacheSentence({ status: 'none' })).toBe('Nothing to cache');
  });
});

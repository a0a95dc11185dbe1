import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEPLOYED, TrellisServer, column as columnOf, launchBrowser, screenshot, signInWithToken } from './harness';

// The dependency cache, seen in the dashboard: the sample app's first deployment (its install
// is `npm ci`) misses and saves, the next of the same commit restores it; development's
// settings list the archive, and clearing it through the button and its confirmation empties
// the list.

let server: TrellisServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await TrellisServer.start();
  ({ browser, page } = await launchBrowser());
});

afterAll(async () => {
  await browser.close();
  server.stop();
});

function column(env: string): Locator {
  return columnOf(page, env);
}

async function openPipeline(): Promise<void> {
  await page.goto(`${server.base}/apps/sample`);
  await column('development').waitFor();
}

/** Deploys development's branch head with its button, follows it to the deployment page and
 * waits for it to succeed; gives the page's dependency cache line. */
async function deployDevelopment(): Promise<string> {
  await openPipeline();
  const dev = column('development');
  await dev.getByRole('button', { name: 'Deploy main head' }).click();
  await dev.getByRole('link', { name: 'follow it' }).click();
  await page.getByRole('heading', { name: 'Deployment to development' }).waitFor();
  await page.locator('.deployment-header [data-status="succeeded"]').waitFor(DEPLOYED);
  const report = page.getByRole('region', { name: 'Dependency cache', exact: true });
  // The report comes with the deployment's end, which the page may learn a moment after
  // the status.
  await report.waitFor(DEPLOYED);
  return ((await report.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

describe('the dependency cache, in Chromium, against a real Trellis', () => {
  it('misses then hits, and is cleared from the settings page', async () => {
    await signInWithToken(page, server.base);

    // The first deployment installs from scratch and saves the cache.
    const first = await deployDevelopment();
    expect(first).toMatch(/^Dependency cache: Cache miss — installed from scratch, saved \d+\.\d MB in \d+\.\d s key npm-/);
    const firstPage = page.url();
    await screenshot(page, 'cache-01-miss');

    // The second, of the same commit and lockfile, restores it.
    const second = await deployDevelopment();
    expect(page.url()).not.toBe(firstPage);
    expect(second).toMatch(/^Dependency cache: Cache hit — \d+\.\d MB restored in \d+\.\d s key npm-/);
    // The same key both times: the lockfile did not change.
    expect(second.replace(/.* key /, '')).toBe(first.replace(/.* key /, ''));
    await screenshot(page, 'cache-02-hit');

    // Development's settings: caching is on, and one archive is stored, under that key.
    await openPipeline();
    await column('development').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'development settings' }).waitFor();
    const box = page.getByLabel('Cache dependencies between deployments');
    expect(await box.isChecked()).toBe(true);
    const section = page.getByRole('region', { name: 'Dependency cache', exact: true });
    const archives = section.getByRole('table', { name: 'Dependency archives stored for development' }).locator('tbody tr');
    await archives.first().waitFor();
    expect(await archives.count()).toBe(1);
    expect(await archives.first().locator('code').textContent()).toBe(first.replace(/.* key /, ''));
    await section.getByText(/^1 archive, \d+\.\d MB in all\.$/).waitFor();
    await screenshot(page, 'cache-03-settings');

    // Clearing asks first, then empties the list and says what went.
    await section.getByRole('button', { name: 'Clear cache' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Clear the dependency cache of development?' });
    await confirm.getByText(/Trellis deletes what is stored for development \(1 archive, \d+\.\d MB\)/).waitFor();
    await confirm.getByRole('button', { name: 'Clear cache' }).click();
    await section
      .getByRole('status')
      .getByText(/^Cleared 1 archive \(\d+\.\d MB\): the next deployment installs from scratch and saves a fresh cache\.$/)
      .waitFor();
    await section.getByText('Nothing is stored.', { exact: true }).waitFor();
    expect(await archives.count()).toBe(0);
    expect(await confirm.count()).toBe(0);
    // Nothing left to clear: the button says so.
    const clear = section.getByRole('button', { name: 'Clear cache' });
    await clear.and(page.locator(':disabled')).waitFor();
    await screenshot(page, 'cache-04-cleared');
  });
});

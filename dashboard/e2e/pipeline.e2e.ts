import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEPLOYED, Gate, TOKEN, TrellisServer, column as columnOf, launchBrowser, screenshot } from './harness';

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

async function waitForState(env: string, state: string): Promise<void> {
  await column(env).locator(`.environment-header [data-status="${state}"]`).waitFor(DEPLOYED);
}

async function openPipeline(): Promise<void> {
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'sample' }).click();
  await column('development').waitFor();
}

describe('the dashboard, in Chromium, against a real Trellis', () => {
  it('takes a commit from push to production and back', async () => {
    // Sign in: a wrong token is refused in words, the right one opens the apps.
    await page.goto(server.base);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was not accepted by this Trellis server.').waitFor();
    await screenshot(page, '01-sign-in-refused');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.locator('.connection-open').waitFor();
    await screenshot(page, '02-apps');

    // The session survives a reload.
    await page.reload();
    await page.getByRole('link', { name: 'sample' }).click();
    await column('production').waitFor();
    expect(await column('development').locator('.environment-header [data-status]').getAttribute('data-status')).toBe('empty');
    await screenshot(page, '03-pipeline-empty');

    // A push deploys development: the page learns of it without a reload. The sample app can
    // deploy within seconds, before the page ever shows it running, so the test waits for what
    // stays: the new commit as development's deployed one. (The long-log test below holds a
    // deployment open to watch its log live.)
    const first = server.repo.push('Hello from the browser test', 'Browser push one');
    await column('development').getByTitle(first).waitFor(DEPLOYED);
    await waitForState('development', 'deployed');
    await column('development').getByRole('link', { name: 'logs', exact: true }).click();
    await page.getByRole('heading', { name: 'Deployment to development' }).waitFor();
    const log = page.getByRole('log', { name: 'Build log' });
    await log.getByText('published').first().waitFor(DEPLOYED);
    await page.getByText(/^End of log · \d+ lines$/).waitFor(DEPLOYED);
    await page.locator('.deployment-header [data-status="succeeded"]').waitFor();
    const steps = page.getByRole('list', { name: 'Steps' });
    await steps.getByRole('button', { name: /deploy succeeded/ }).waitFor();
    // The view followed the tail: the runner's last line is on screen.
    const lastLine = log.locator('.log-line').last();
    await expect(lastLine.isVisible()).resolves.toBe(true);
    const shownSeqs = await log.locator('.log-line').evaluateAll((lines) => lines.map((l) => Number(l.getAttribute('data-seq'))));
    const stored = (await server.api('GET', page.url().replace(/.*\/deployments\//, '/api/deployments/') + '/logs')) as {
      lines: { seq: number }[];
    };
    expect(Math.max(...shownSeqs)).toBe(stored.lines.length);
    await screenshot(page, '04-deployment-logs');

    await openPipeline();
    await waitForState('development', 'deployed');
    const dev = column('development');
    await dev.getByText('Browser push one').waitFor();
    await dev.getByRole('link', { name: /\/sample\/development\/$/ }).waitFor();
    expect(await dev.getByTitle(first).textContent()).toBe(first.slice(0, 7));
    expect(await server.site('development')).toContain('Hello from the browser test');
    // Nothing to promote from staging yet: the button says why.
    const stagingPromote = column('staging').getByRole('button', { name: 'Promote to production' });
    expect(await stagingPromote.isDisabled()).toBe(true);
    expect(await stagingPromote.getAttribute('aria-describedby')).toBeTruthy();
    await screenshot(page, '05-development-deployed');

    // Promote twice; each promotion asks first, naming the app and environment and showing
    // what would ship: nothing runs in staging or production yet.
    await dev.getByRole('button', { name: 'Promote to staging' }).click();
    const toStaging = page.getByRole('alertdialog', { name: 'Promote sample to staging?' });
    await toStaging.getByText('staging has nothing deployed yet.').waitFor();
    await toStaging.getByText(`development → staging: ${first.slice(0, 7)} Browser push one`).waitFor();
    await toStaging.getByRole('button', { name: 'Promote to staging' }).click();
    await waitForState('staging', 'deployed');
    await column('staging').getByText('Browser push one').waitFor();
    await column('staging').getByRole('button', { name: 'Promote to production' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Promote sample to production?' });
    await confirm.getByText('production has nothing deployed yet.').waitFor();
    await confirm.getByRole('button', { name: 'Promote to production' }).click();
    await waitForState('production', 'deployed');
    await column('production').getByText('Browser push one').waitFor(DEPLOYED);
    await screenshot(page, '06-promoted-to-production');

    // A second commit all the way to production; the confirmation lists it, read from git.
    const second = server.repo.push('Second message', 'Browser push two');
    await dev.getByText('Browser push two').waitFor(DEPLOYED);
    await waitForState('development', 'deployed');
    await dev.getByRole('button', { name: 'Promote to staging' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Promote to staging' }).click();
    await column('staging').getByText('Browser push two').waitFor(DEPLOYED);
    await waitForState('staging', 'deployed');
    await column('staging').getByRole('button', { name: 'Promote to production' }).click();
    const toProduction = page.getByRole('alertdialog', { name: 'Promote sample to production?' });
    await toProduction.getByText('1 commit to ship.').waitFor();
    const shipped = toProduction.getByRole('list', { name: 'Commits to ship' }).getByRole('listitem');
    expect(await shipped.allTextContents()).toEqual([`${second.slice(0, 7)} Browser push two — Browser Test`]);
    await toProduction.getByText('Settings of production unchanged since its deployment.').waitFor();
    await screenshot(page, '06b-promotion-preview');
    await toProduction.getByRole('button', { name: 'Promote to production' }).click();
    await column('production').getByText('Browser push two').waitFor(DEPLOYED);
    await waitForState('production', 'deployed');
    expect(await server.site('production')).toContain('Second message');

    // Roll production back to the first commit from its history.
    await column('production').getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: /production history/ }).waitFor();
    const rows = page.locator('tbody tr');
    await rows.nth(1).waitFor();
    const earlier = rows.filter({ hasText: 'Browser push one' });
    await screenshot(page, '07-production-history');
    await earlier.getByRole('button', { name: 'Roll back to this' }).click();
    await page
      .getByRole('alertdialog', { name: 'Roll production of sample back?' })
      .getByRole('button', { name: 'Roll production back' })
      .click();
    await page.getByRole('link', { name: 'follow it' }).click();
    await page.locator('.deployment-header [data-status="succeeded"]').waitFor(DEPLOYED);
    await openPipeline();
    await column('production').getByText('Browser push one').waitFor(DEPLOYED);
    expect(await server.site('production')).toContain('Hello from the browser test');
    await screenshot(page, '08-production-rolled-back');

    // Tear staging down, after confirming.
    await column('staging').getByRole('button', { name: 'Tear down' }).click();
    await page
      .getByRole('alertdialog', { name: 'Tear down staging of sample?' })
      .getByRole('button', { name: 'Tear down staging' })
      .click();
    await waitForState('staging', 'removed');
    expect(await server.site('staging')).toBe(404);
    const teardown = column('staging').getByRole('button', { name: 'Tear down' });
    expect(await teardown.isDisabled()).toBe(true);
    await screenshot(page, '09-staging-torn-down');
  });

  it('keeps a long log virtualised, following its tail until the reader scrolls up', async () => {
    // A deploy command that prints 5000 lines first, set through the settings form.
    await page.goto(`${server.base}/apps/sample/environments/development/settings`);
    const deployCommand = page.getByLabel('Deploy command');
    const gate = Gate.create();
    await deployCommand.fill(`for i in $(seq 1 5000); do echo "build line $i"; done && ${gate.wait} && npm run deploy`);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved\./).waitFor();
    await screenshot(page, '10-settings');

    await openPipeline();
    await column('development').getByRole('button', { name: 'Deploy main head' }).click();
    await column('development').getByRole('link', { name: 'follow it' }).click();
    const log = page.getByRole('log', { name: 'Build log' });

    // Held at the gate, the deployment is running for sure: its lines show as they are
    // printed, and the view follows them.
    const printed = log.getByText('build line 5000', { exact: true });
    await printed.waitFor(DEPLOYED);
    await page.locator('.deployment-header [data-status="running"]').waitFor();
    await page.getByText(/^Streaming · \d+ lines so far$/).waitFor();
    expect(await isInView(log, printed)).toBe(true);
    await screenshot(page, '11-long-log-live');
    gate.open();
    await page.getByText(/^End of log · \d+ lines$/).waitFor(DEPLOYED);
    gate.remove();
    const total = Number((await log.getAttribute('data-lines')) ?? 0);
    expect(total).toBeGreaterThan(5000);
    // Only what is in view is in the page, and what is in view is the end.
    expect(await log.locator('.log-line').count()).toBeLessThan(200);
    const last = log.locator(`.log-line[data-seq="${total}"]`);
    await last.waitFor();
    expect(await last.textContent()).toContain('deployment succeeded');
    expect(await isInView(log, last)).toBe(true);
    await screenshot(page, '12-long-log-tail');

    // Scrolling up stops the following; the button brings the tail back.
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await log.locator('.log-line[data-seq="1"]').waitFor();
    const follow = page.getByRole('button', { name: /Follow the end of the log/ });
    await follow.waitFor();
    await follow.click();
    await last.waitFor();
    expect(await isInView(log, last)).toBe(true);
  });
});

/** Whether `line` is inside the scroll box's visible area. */
async function isInView(box: Locator, line: Locator): Promise<boolean> {
  const outer = await box.boundingBox();
  const inner = await line.boundingBox();
  if (!outer || !inner) return false;
  return inner.y >= outer.y - 1 && inner.y + inner.height <= outer.y + outer.height + 1;
}

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GithubStandIn, TrellisServer, launchBrowser, newPage, screenshot, signInWithToken } from './harness';

// A team on one Trellis through GitHub: the admin (with the admin token) connects the GitHub
// App from the dashboard, people sign in with GitHub, each in a browser of their own, one
// registers a repository with the picker, and each sees what their role lets them do, and
// why not. GitHub is the stand-in (tests/src/github_standin/), another process.

// A deployment of the sample app takes seconds; the waits are generous for a loaded CI machine.
const DEPLOYED = { timeout: 90_000 };
const ADMIN_NEEDED = (role: string) => `Your role here is ${role}: this needs the admin role.`;

let github: GithubStandIn;
let server: TrellisServer;
let browser: Browser;
/** The admin's browser, signed in with the admin token. */
let admin: Page;
/** ada's: she has admin permission on acme/shop on GitHub, and is a viewer of the sample app. */
let ada: Page;
/** grace's: a deployer of the sample app. */
let grace: Page;

beforeAll(async () => {
  github = await GithubStandIn.start();
  server = await TrellisServer.start(github.env);
  ({ browser, page: admin } = await launchBrowser());
});

afterAll(async () => {
  // In the order they started: what started is stopped even if a later start failed.
  github.stop();
  server.stop();
  await browser.close();
});

function column(page: Page, env: string): Locator {
  return page.getByRole('listitem', { name: env, exact: true });
}

async function waitForState(page: Page, env: string, state: string): Promise<void> {
  await column(page, env).locator(`.environment-header [data-status="${state}"]`).waitFor(DEPLOYED);
}

/** The text an element is described by (a disabled action's reason). */
async function description(element: Locator): Promise<string> {
  return element.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ')
      .trim(),
  );
}

/** Waits until `button` is disabled, then gives why. */
async function disabledBecause(button: Locator): Promise<string> {
  await button.and(button.page().locator(':disabled')).waitFor();
  return description(button);
}

/** Signs `login` in with GitHub in a browser of their own, from the sign-in page. */
async function signInWithGithub(login: string): Promise<Page> {
  const page = await newPage(browser);
  await github.signInAs(login);
  await page.goto(server.base);
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
  await page.locator('.topbar').getByText(login, { exact: true }).waitFor();
  await page.locator('.connection-open').waitFor();
  const cookies = await page.context().cookies(server.base);
  const session = cookies.find((c) => c.name === 'trellis_session');
  expect(session?.httpOnly).toBe(true);
  return page;
}

/** The audit row of `action` by `actor`. */
function auditRow(page: Page, action: string, actor: string): Locator {
  return page
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: actor, exact: true }) })
    .filter({ has: page.locator('code', { hasText: new RegExp(`^${action.replace('.', '\\.')}$`) }) });
}

describe('a team using Trellis through GitHub, in Chromium', () => {
  it('lets the admin connect the GitHub App in a few clicks', async () => {
    await signInWithToken(admin, server.base);

    await admin.locator('.topbar').getByRole('link', { name: 'GitHub', exact: true }).click();
    await admin.waitForURL(`${server.base}/settings/github`);
    await admin.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor();
    const form = admin.getByRole('form', { name: 'Connect GitHub' });
    await form.waitFor();
    // GitHub is told to send browsers and webhooks to where this Trellis is reached.
    expect(await form.getByLabel('Where this Trellis is reached').inputValue()).toBe(server.base);
    await screenshot(admin, 'teams-01-github-not-connected');

    // The manifest leaves as a form post to "GitHub", which creates the app and sends the
    // browser back to Trellis's callback, which sends it on to the settings page.
    const posted = admin.waitForRequest((r) => r.method() === 'POST' && r.url().startsWith(`${github.url}/settings/apps/new?state=`));
    await form.getByRole('button', { name: 'Connect GitHub' }).click();
    const manifest = JSON.parse(new URLSearchParams((await posted).postData() ?? '').get('manifest') ?? '{}') as {
      redirect_url?: string;
      callback_urls?: string[];
    };
    expect(manifest.redirect_url).toBe(`${server.base}/api/github/manifest/callback`);
    expect(manifest.callback_urls).toEqual([`${server.base}/api/auth/github/callback`]);
    await admin.waitForURL(`${server.base}/settings/github?connected=1`);
    await admin.getByRole('status').filter({ hasText: 'The GitHub App is connected.' }).waitFor();
    const connected = admin.getByRole('region', { name: 'Connected app' });
    await connected.getByText('Connected: GitHub App trellis-test, and people sign in with GitHub.').waitFor();
    expect(await connected.getByRole('link', { name: 'Install on GitHub' }).getAttribute('href')).toBe(
      'https://github.com/apps/trellis-test/installations/new',
    );
    // Connected, the form offers to replace the app rather than to connect one.
    await admin.getByRole('button', { name: 'Create another GitHub App' }).waitFor();
    expect(await admin.getByRole('button', { name: 'Connect GitHub' }).count()).toBe(0);
    await screenshot(admin, 'teams-02-github-connected');
  });

  it('lets a user sign in with GitHub and register a repository with the picker', async () => {
    // Without an organisation, whoever has a role on some app may sign in.
    await server.api('PUT', '/api/apps/sample/members/ada', { role: 'viewer' });
    await server.api('PUT', '/api/apps/sample/members/grace', { role: 'deployer' });
    // The app is installed on three repositories; ada administers one, reads another, and
    // cannot see the third.
    await github.install(31, 'acme/shop', true);
    await github.install(31, 'acme/docs', false);
    await github.install(32, 'other/secret', true);
    await github.grant('ada', 'acme/shop', 'admin');
    await github.grant('ada', 'acme/docs', 'pull');
    await github.branch('acme/shop', 'main', 'a'.repeat(40));

    ada = await signInWithGithub('ada');
    expect(ada.url()).toBe(`${server.base}/`);
    // A signed-in user picks a GitHub repository; no path on the server is offered.
    await ada.getByRole('heading', { name: 'Create an app' }).waitFor();
    expect(await ada.getByLabel('Repository path').count()).toBe(0);

    const list = ada.getByRole('list', { name: 'Repositories' });
    const shop = list.getByRole('radio', { name: 'acme/shop (private)', exact: true });
    const docs = list.getByRole('radio', { name: 'acme/docs', exact: true });
    await shop.waitFor();
    // Read permission is not enough to register a repository: it is there, disabled, and says why.
    expect(await disabledBecause(docs)).toBe('Registering it needs the admin or maintain permission on GitHub; you have read.');
    await list.getByText('Registering it needs the admin or maintain permission on GitHub; you have read.').waitFor();
    expect(await shop.isEnabled()).toBe(true);
    expect(await list.getByRole('radio').count()).toBe(2);
    await screenshot(ada, 'teams-03-repository-picker');

    // The search narrows the list down.
    await ada.getByLabel('Search repositories').fill('shop');
    await docs.waitFor({ state: 'detached' });
    await shop.check();
    // The app is named after the picked repository.
    const name = ada.getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe('shop');
    await screenshot(ada, 'teams-04-repository-picked');
    await ada.getByRole('button', { name: 'Create app' }).click();

    await ada.waitForURL(`${server.base}/apps/shop`);
    await ada.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
    await ada.getByText('github.com/acme/shop').waitFor();
    await column(ada, 'development').waitFor();
    await column(ada, 'production').waitFor();
    // Its creator administers it: its audit log is hers to read.
    await ada.getByRole('main').getByRole('link', { name: 'Audit log' }).waitFor();
    await screenshot(ada, 'teams-05-app-created');
  });

  it('shows each role what it may not do, and why', async () => {
    // The admin takes the sample app through to production, so that every action has
    // something to act on.
    await admin.goto(`${server.base}/apps/sample`);
    await column(admin, 'development').getByRole('button', { name: 'Deploy main head' }).click();
    await waitForState(admin, 'development', 'deployed');
    await column(admin, 'development').getByRole('button', { name: 'Promote to staging' }).click();
    await admin
      .getByRole('alertdialog', { name: 'Promote sample to staging?' })
      .getByRole('button', { name: 'Promote to staging' })
      .click();
    await waitForState(admin, 'staging', 'deployed');
    await column(admin, 'staging').getByRole('button', { name: 'Promote to production' }).click();
    await admin
      .getByRole('alertdialog', { name: 'Promote sample to production?' })
      .getByRole('button', { name: 'Promote to production' })
      .click();
    await waitForState(admin, 'production', 'deployed');

    // ada is a viewer of the sample app: nothing there is hers to change.
    await ada.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Apps' }).click();
    await ada.getByRole('list', { name: 'Apps' }).getByRole('link', { name: 'sample', exact: true }).click();
    await ada.waitForURL(`${server.base}/apps/sample`);
    await waitForState(ada, 'development', 'deployed');
    const viewerPromote = column(ada, 'development').getByRole('button', { name: 'Promote to staging' });
    expect(await disabledBecause(viewerPromote)).toBe('Your role here is viewer: this needs the deployer role.');
    expect(await disabledBecause(column(ada, 'development').getByRole('button', { name: 'Deploy main head' }))).toBe(
      'Your role here is viewer: this needs the deployer role.',
    );
    expect(await disabledBecause(column(ada, 'development').getByRole('button', { name: 'Tear down' }))).toBe(ADMIN_NEEDED('viewer'));
    // The reason is also the tooltip of the disabled button.
    expect(await viewerPromote.locator('xpath=..').getAttribute('title')).toBe(
      'Your role here is viewer: this needs the deployer role.',
    );
    // Not an admin of the sample app, she is not offered its audit log.
    expect(await ada.getByRole('main').getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await screenshot(ada, 'teams-06-viewer');

    // grace deploys outside production; production is for admins.
    grace = await signInWithGithub('grace');
    await grace.getByRole('list', { name: 'Apps' }).getByRole('link', { name: 'sample', exact: true }).click();
    await waitForState(grace, 'production', 'deployed');
    const dev = column(grace, 'development');
    await dev.getByRole('button', { name: 'Promote to staging', disabled: false }).waitFor();
    expect(await dev.getByRole('button', { name: 'Deploy main head' }).isEnabled()).toBe(true);
    expect(await disabledBecause(column(grace, 'staging').getByRole('button', { name: 'Promote to production' }))).toBe(
      ADMIN_NEEDED('deployer'),
    );
    const production = column(grace, 'production');
    expect(await disabledBecause(production.getByRole('button', { name: 'Deploy branch head' }))).toBe(ADMIN_NEEDED('deployer'));
    expect(await disabledBecause(production.getByRole('button', { name: 'Tear down' }))).toBe(ADMIN_NEEDED('deployer'));
    await screenshot(grace, 'teams-07-deployer');

    await production.getByRole('link', { name: 'History' }).click();
    await grace.getByRole('heading', { name: /production history/ }).waitFor();
    const rollback = grace.locator('tbody tr').first().getByRole('button', { name: 'Roll back to this' });
    expect(await disabledBecause(rollback)).toBe(ADMIN_NEEDED('deployer'));
    await screenshot(grace, 'teams-08-deployer-production-history');
  });

  it('keeps who connected GitHub and who created the app in the audit log', async () => {
    // A user reads the log one app at a time, of an app they administer.
    await ada.locator('.topbar').getByRole('link', { name: 'Audit log' }).click();
    await ada.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await ada.getByRole('status').filter({ hasText: 'Choose an app you administer to read its entries.' }).waitFor();
    const appFilter = ada.getByLabel('App', { exact: true });
    await appFilter.locator('option[value="shop"]').waitFor({ state: 'attached' });
    // Only shop is hers to read: the sample app, where she is a viewer, is not offered.
    expect(await appFilter.locator('option[value="sample"]').count()).toBe(0);
    await appFilter.selectOption('shop');
    await ada.getByRole('button', { name: 'Show entries' }).click();
    await ada.waitForURL(`${server.base}/audit?app=shop`);
    const created = auditRow(ada, 'app.create', 'ada');
    await created.waitFor();
    expect(await created.getByRole('link', { name: 'shop', exact: true }).getAttribute('href')).toBe('/apps/shop');
    await screenshot(ada, 'teams-09-audit-of-shop');

    // The admin token reads the whole log: the connection, the sign-ins, the new app.
    await admin.locator('.topbar').getByRole('link', { name: 'Audit log' }).click();
    await admin.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const connect = auditRow(admin, 'github.connect', 'admin token');
    await connect.waitFor();
    await connect.getByRole('cell', { name: 'trellis-test', exact: true }).waitFor();
    await auditRow(admin, 'app.create', 'ada').waitFor();
    await auditRow(admin, 'sign-in', 'ada').waitFor();
    await auditRow(admin, 'sign-in', 'grace').waitFor();
    await screenshot(admin, 'teams-10-audit-all');
  });
});

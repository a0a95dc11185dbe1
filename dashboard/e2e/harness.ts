import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { type Browser, type Locator, type Page, chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = join(ROOT, 'dashboard/e2e/screenshots');
export const TOKEN = 'browser-e2e-token-0123456789';

const BIN = join(ROOT, 'target/debug');
const DIST = join(ROOT, 'dashboard/dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function need(path: string, how: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${how}`);
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Browser Test',
  GIT_AUTHOR_EMAIL: 'browser@trellis.invalid',
  GIT_COMMITTER_NAME: 'Browser Test',
  GIT_COMMITTER_EMAIL: 'browser@trellis.invalid',
};

/** The sample app in a git repository of its own, which the test pushes to. */
export class SampleRepo {
  constructor(readonly path: string) {}

  static create(dir: string): SampleRepo {
    const path = join(dir, 'sample-app');
    cpSync(join(ROOT, 'tests/sample-app'), path, {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    const repo = new SampleRepo(path);
    repo.git('init', '-q', '-b', 'main');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'Initial sample app');
    return repo;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.path, env: { ...process.env, ...GIT_IDENTITY }, encoding: 'utf8' }).trim();
  }

  /** Commits a new message.txt, as a developer's push would; returns the sha. */
  push(message: string, subject: string): string {
    writeFileSync(join(this.path, 'message.txt'), `${message}\n`);
    this.git('commit', '-q', '-am', subject);
    return this.git('rev-parse', 'HEAD');
  }
}

/** A file a deploy command waits for, so that the test rather than the clock decides when a
 * deployment ends: what the test checks while it runs is then sure to be there to see. */
export class Gate {
  private constructor(private readonly dir: string) {}

  static create(): Gate {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-gate-'));
    // Under a root server a build runs as an unprivileged user, which must see the file.
    chmodSync(dir, 0o755);
    return new Gate(dir);
  }

  private get file(): string {
    return join(this.dir, 'open');
  }

  /** Shell that waits until the gate opens; after two minutes it goes on regardless, so that a
   * failed test leaves no build waiting for ever. */
  get wait(): string {
    return `(i=0; until [ -e '${this.file}' ] || [ $i -ge 1200 ]; do i=$((i+1)); sleep 0.1; done)`;
  }

  open(): void {
    writeFileSync(this.file, '');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A real `trellis serve` with the built dashboard, the real runner and the sample app. */
export class TrellisServer {
  private constructor(
    readonly base: string,
    readonly sites: string,
    readonly repo: SampleRepo,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  /** `env` adds to (or overrides) the server's environment: pointing it at a GitHub
   * stand-in, for one. */
  static async start(env: Record<string, string> = {}): Promise<TrellisServer> {
    need(join(BIN, 'trellis'), 'build it with `cargo build -p trellis-local -p trellis-build-runner --bins`');
    need(join(BIN, 'build-runner'), 'build it with `cargo build -p trellis-local -p trellis-build-runner --bins`');
    need(join(DIST, 'index.html'), 'build the dashboard with `npm run build` in dashboard/');
    const dir = mkdtempSync(join(tmpdir(), 'trellis-browser-'));
    const repo = SampleRepo.create(dir);
    const child = spawn(
      join(BIN, 'trellis'),
      ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--runner-bin', join(BIN, 'build-runner'), '--dashboard-dir', DIST],
      {
        env: { ...process.env, TRELLIS_TOKEN: TOKEN, TRELLIS_WEBHOOK_SECRET: 'browser-e2e-webhook', RUST_LOG: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [base, sites] = await new Promise<[string, string]>((ready, fail) => {
      const lines = createInterface({ input: child.stdout });
      let base = '';
      lines.on('line', (line) => {
        const running = /^Trellis is running at (\S+)/.exec(line);
        if (running?.[1]) base = running[1];
        const sites = /^\s*Sites:\s+(\S+?)\/<app>/.exec(line);
        if (sites?.[1]) ready([base, sites[1]]);
      });
      child.once('exit', (code) => fail(new Error(`trellis serve exited with ${String(code)} before it was ready`)));
    });
    const server = new TrellisServer(base, sites, repo, child, dir);
    await server.api('POST', '/api/apps', {
      name: 'sample',
      repository: { provider: 'local', path: repo.path },
      settings: { deployCommand: 'npm run deploy', removeCommand: 'npm run remove' },
    });
    return server;
  }

  async api(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** The sample app's published page for an environment, or its HTTP status. */
  async site(env: string): Promise<string | number> {
    const response = await fetch(`${this.sites}/sample/${env}/`);
    return response.ok ? response.text() : response.status;
  }

  stop(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The GitHub stand-in (tests/src/github_standin/) as a process of its own: github.com and
 * its API for Trellis and the browser, told by the test who signs in, who may do what on
 * which repository, and where the app is installed. */
export class GithubStandIn {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<GithubStandIn> {
    const bin = join(BIN, 'github-standin');
    need(bin, 'build it with `cargo build -p trellis-e2e --bins`');
    const child = spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((ready, fail) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const at = /^GitHub stand-in at (\S+)/.exec(line);
        if (at?.[1]) ready(at[1]);
      });
      child.once('exit', (code) => fail(new Error(`github-standin exited with ${String(code)} before it was ready`)));
    });
    return new GithubStandIn(url, child);
  }

  /** The variables that point `trellis serve` at the stand-in (its OAuth client comes from
   * the manifest flow, so none is given). */
  get env(): Record<string, string> {
    return { TRELLIS_GITHUB_URL: this.url, TRELLIS_GITHUB_API_URL: this.url };
  }

  /** The next GitHub sign-in in a browser is this user's. */
  signInAs(login: string): Promise<void> {
    return this.control('sign-in-as', { login });
  }

  /** `login` has `permission` (pull, triage, push, maintain or admin) on `repository`. */
  grant(login: string, repository: string, permission: 'pull' | 'triage' | 'push' | 'maintain' | 'admin'): Promise<void> {
    return this.control('grant', { login, repository, permission });
  }

  /** The app is installed on `repository` through installation `installationId`. */
  install(installationId: number, repository: string, isPrivate: boolean): Promise<void> {
    return this.control('install', { installationId, repository, private: isPrivate });
  }

  branch(repository: string, name: string, sha: string): Promise<void> {
    return this.control('branch', { repository, name, sha });
  }

  private async control(what: string, body: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.url}/_standin/${what}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 204) throw new Error(`stand-in ${what}: HTTP ${response.status} ${await response.text()}`);
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchBrowser(): Promise<{ browser: Browser; page: Page }> {
  need(CHROMIUM, 'install Debian chromium (the test command does)');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const page = await newPage(browser);
  return { browser, page };
}

/** A page in a browser context of its own: its own cookies and storage, as another person's
 * browser has. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  return context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A deployment of the sample app takes seconds; the waits are generous for a loaded CI machine. */
export const DEPLOYED = { timeout: 90_000 };

/** An environment's column on the pipeline page. */
export function column(page: Page, env: string): Locator {
  return page.getByRole('listitem', { name: env, exact: true });
}

/** Signs in with the admin token and waits for the apps. */
export async function signInWithToken(page: Page, base: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
}

import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse, ws } from 'msw';
import { describe, expect, it } from 'vitest';

import type { Environment, Role } from '../../api/types';
import { BASE, WS_URL, app, environment } from '../../test/fixtures';
import { renderAt } from '../../test/render';
import { server } from '../../test/server';

const live = ws.link(WS_URL);

function serve(env: Environment, yourRole?: Role) {
  const patches: unknown[] = [];
  server.use(
    http.get(`${BASE}/api/apps/shop`, () => HttpResponse.json({ ...app('shop', [env]), yourRole })),
    http.get(`${BASE}/api/apps/shop/branches`, () =>
      HttpResponse.json([
        { name: 'main', sha: 'a'.repeat(40) },
        { name: 'release', sha: 'b'.repeat(40) },
      ]),
    ),
    http.patch(`${BASE}/api/apps/shop/environments/${env.name}`, async ({ request }) => {
      const patch = await request.json();
      patches.push(patch);
      return HttpResponse.json({ ...env, secretNames: [...env.secretNames, 'NEW_TOKEN'], variables: { REGION: 'eu-west-1' } });
    }),
    http.get(`${BASE}/api/apps/shop/environments/${env.name}/cache`, () =>
      HttpResponse.json({ enabled: env.dependencyCache, entries: [], totalBytes: 0 }),
    ),
    live.addEventListener('connection', () => undefined),
  );
  return patches;
}

const development = environment('development', 0, {
  variables: { REGION: 'us-east-1', OLD: 'x' },
  secretNames: ['STRIPE_KEY'],
  settings: { deployCommand: 'npm run deploy' },
});

describe('environment settings', () => {
  it('shows every problem next to its field and sends nothing', async () => {
    const patches = serve(development);
    const { user } = renderAt('/apps/shop/environments/development/settings');
    await user.clear(await screen.findByLabelText('Tracked branch'));
    await user.clear(screen.getByLabelText('Timeout (minutes)'));
    await user.type(screen.getByLabelText('Timeout (minutes)'), '900');
    await user.click(screen.getByRole('button', { name: 'Add a variable' }));
    await user.type(screen.getByLabelText('Variable 3 name'), '1BAD');
    await user.click(screen.getByRole('button', { name: 'Add a secret' }));
    await user.type(screen.getByLabelText('New secret 2 name'), 'REGION');
    await user.type(screen.getByLabelText('New secret 2 value'), 's3cret');
    await user.click(screen.getByRole('button', { name: 'Add a secret' }));
    await user.type(screen.getByLabelText('New secret 3 name'), 'PIN');
    await user.type(screen.getByLabelText('New secret 3 value'), '1234');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));

    expect(screen.getByLabelText('Deploy on every push to the tracked branch')).toHaveAccessibleDescription(
      'Auto-deploy needs a branch to track.',
    );
    expect(screen.getByLabelText('Timeout (minutes)')).toHaveAccessibleDescription(
      expect.stringContaining('A whole number of minutes from 1 to 480.') as string,
    );
    expect(screen.getByLabelText('Variable 3 name')).toHaveAccessibleDescription(
      'Letters, digits and _ only, not starting with a digit, at most 128 characters.',
    );
    expect(screen.getByLabelText('New secret 2 name')).toHaveAccessibleDescription(
      'REGION is also a variable: a name is one or the other.',
    );
    expect(screen.getByLabelText('New secret 3 name')).toHaveAccessibleDescription(
      'A secret needs at least 6 characters: shorter ones cannot be masked in build logs.',
    );
    expect(screen.getByText(/Nothing was saved/)).toBeInTheDocument();
    expect(patches).toEqual([]);
  });

  it('sends only what changed; secret values are write-only', async () => {
    const patches = serve(development);
    const { user } = renderAt('/apps/shop/environments/development/settings');
    // A stored secret's value is never shown.
    expect(await screen.findByText('STRIPE_KEY')).toBeInTheDocument();
    expect(screen.getByLabelText('value hidden')).toHaveTextContent('••••••••');
    expect(screen.getByLabelText('New value for STRIPE_KEY (empty keeps it)')).toHaveValue('');

    await user.clear(screen.getByLabelText('Variable 1 value'));
    await user.type(screen.getByLabelText('Variable 1 value'), 'eu-west-1');
    await user.click(screen.getByRole('button', { name: 'Remove variable OLD' }));
    await user.click(screen.getByRole('button', { name: 'Add a secret' }));
    await user.type(screen.getByLabelText('New secret 2 name'), 'NEW_TOKEN');
    await user.type(screen.getByLabelText('New secret 2 value'), 'tok-123');
    await user.clear(screen.getByLabelText('Deploy command'));
    await user.click(screen.getByLabelText('Run the unit tests before deploying'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));

    await waitFor(() =>
      expect(patches).toEqual([
        {
          testsEnabled: true,
          settings: { deployCommand: null },
          variables: { OLD: null, REGION: 'eu-west-1' },
          secrets: { NEW_TOKEN: 'tok-123' },
        },
      ]),
    );
    expect(await screen.findByText(/Saved\./)).toBeInTheDocument();
    // After saving, the new secret is a stored one: its value is gone from the page.
    expect(screen.queryByDisplayValue('tok-123')).not.toBeInTheDocument();
    expect(screen.getByText('NEW_TOKEN')).toBeInTheDocument();
  });

  it('leaves dependencyCache out while the box is as stored', async () => {
    const patches = serve(development);
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const box = await screen.findByLabelText('Cache dependencies between deployments');
    expect(box).toBeChecked();
    // Off and on again is no change.
    await user.click(box);
    await user.click(box);
    await user.clear(screen.getByLabelText('Timeout (minutes)'));
    await user.type(screen.getByLabelText('Timeout (minutes)'), '20');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(patches).toEqual([{ settings: { timeoutMinutes: 20 } }]));
  });

  it('sends dependencyCache when the box is changed', async () => {
    const patches = serve(environment('staging', 1, { dependencyCache: false }));
    const { user } = renderAt('/apps/shop/environments/staging/settings');
    const box = await screen.findByLabelText('Cache dependencies between deployments');
    expect(box).not.toBeChecked();
    await user.click(box);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(patches).toEqual([{ dependencyCache: true }]));
  });

  it("shows the API's refusal next to the field it names", async () => {
    serve(development);
    server.use(
      http.patch(`${BASE}/api/apps/shop/environments/development`, () =>
        HttpResponse.json(
          { error: { code: 'invalid', message: 'value is 40000 bytes; at most 32768 are allowed', field: 'variables.REGION' } },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderAt('/apps/shop/environments/development/settings');
    await user.type(await screen.findByLabelText('Variable 1 value'), '-more');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Variable 1 name')).toHaveAccessibleDescription(
        'value is 40000 bytes; at most 32768 are allowed',
      ),
    );
  });

  it('refuses to require approval while every push deploys, next to the box just ticked', async () => {
    const patches = serve(development);
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const approval = await screen.findByLabelText("Require an admin's approval before each deployment");
    expect(approval).toHaveAccessibleDescription(expect.stringContaining('auto-deploy must be off') as string);
    await user.click(approval);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(approval).toHaveAccessibleDescription(
      expect.stringContaining(
        'development cannot both deploy every push and wait for approval: turn auto-deploy off to require approval.',
      ) as string,
    );
    expect(screen.getByText(/Nothing was saved/)).toBeInTheDocument();
    expect(patches).toEqual([]);

    await user.click(screen.getByLabelText('Deploy on every push to the tracked branch'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(patches).toEqual([{ autoDeploy: false, requiresApproval: true }]));
  });

  it('refuses auto-deploy where approval is required', async () => {
    const patches = serve(environment('staging', 1, { branch: 'main', autoDeploy: false, requiresApproval: true }));
    const { user } = renderAt('/apps/shop/environments/staging/settings');
    expect(await screen.findByLabelText("Require an admin's approval before each deployment")).toBeChecked();
    const autoDeploy = screen.getByLabelText('Deploy on every push to the tracked branch');
    await user.click(autoDeploy);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(autoDeploy).toHaveAccessibleDescription(expect.stringContaining('cannot both deploy every push and wait for approval') as string);
    expect(patches).toEqual([]);
  });

  it('never offers auto-deploy for a protected environment', async () => {
    serve(environment('production', 0));
    renderAt('/apps/shop/environments/production/settings');
    expect(await screen.findByText(/production is protected/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Deploy on every push to the tracked branch')).not.toBeInTheDocument();
  });

  it('shows a deployer the settings but nothing to change, saying why', async () => {
    const patches = serve(development, 'deployer');
    const { user } = renderAt('/apps/shop/environments/development/settings');
    expect(await screen.findByRole('note')).toHaveTextContent(
      'Your role here is deployer: this needs the admin role. You can read these settings; an admin of shop changes them.',
    );
    expect(screen.getByLabelText('Variable 1 value')).toHaveValue('us-east-1');
    expect(screen.getByLabelText('Variable 1 value')).toBeDisabled();
    expect(screen.getByLabelText('New value for STRIPE_KEY (empty keeps it)')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Add a secret' })).toBeDisabled();
    const save = screen.getByRole('button', { name: 'Save settings' });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription('Your role here is deployer: this needs the admin role.');
    await user.click(save);
    expect(patches).toEqual([]);
  });

  it("offers the repository's branches and says when the branch typed is not one yet", async () => {
    serve(development);
    const { user } = renderAt('/apps/shop/environments/development/settings');
    const branch = await screen.findByLabelText('Tracked branch');
    await waitFor(() =>
      expect(Array.from(document.querySelectorAll('#branch-options option')).map((o) => o.getAttribute('value'))).toEqual([
        'main',
        'release',
      ]),
    );
    expect(branch).toHaveAttribute('list', 'branch-options');
    await user.clear(branch);
    await user.type(branch, 'feature/new');
    expect(screen.getByText(/The repository has no branch “feature\/new” yet/)).toBeInTheDocument();
    await user.clear(branch);
    await user.type(branch, 'release');
    expect(screen.queryByText(/has no branch/)).not.toBeInTheDocument();
  });
});

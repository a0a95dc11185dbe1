import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { useNavigate } from 'react-router';

import { ApiError } from '../../api/errors';
import { appsQuery, githubAppQuery } from '../../api/queries';
import type { CreateAppRequest, GithubRepository } from '../../api/types';
import { useSession } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { RepositoryPicker } from './RepositoryPicker';

type Provider = 'local' | 'github';

/** A repository's name as an app name: lowercase letters, digits and dashes. */
function appNameFor(fullName: string): string {
  const repo = fullName.split('/').at(-1) ?? '';
  return repo
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** Which input an API error's `field` belongs to. */
function inputFor(field: string | undefined): string | undefined {
  if (!field) return undefined;
  if (field === 'name') return 'name';
  if (field === 'repository' || field === 'repository.path') return 'path';
  if (field === 'repository.fullName') return 'fullName';
  if (field === 'repository.picked') return 'picked';
  if (field === 'repository.installationId') return 'installationId';
  return undefined;
}

export function CreateAppForm() {
  const { api, login } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const github = useQuery(githubAppQuery(api));
  const connected = github.data?.connected === true;
  const [name, setName] = useState('');
  const [chosen, setProvider] = useState<Provider | undefined>(undefined);
  // A signed-in user registers GitHub repositories only: a path names the server's disk.
  const provider: Provider = login ? 'github' : (chosen ?? (connected ? 'github' : 'local'));
  const [picked, setPicked] = useState<GithubRepository | undefined>(undefined);
  const [path, setPath] = useState('');
  const [fullName, setFullName] = useState('');
  const [installationId, setInstallationId] = useState('');
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});

  const create = useMutation({
    mutationFn: (request: CreateAppRequest) => api.createApp(request),
    onSuccess: async (app) => {
      await queryClient.invalidateQueries({ queryKey: appsQuery(api).queryKey });
      void navigate(`/apps/${app.name}`);
    },
  });

  const apiError = create.error instanceof ApiError ? create.error : undefined;
  const apiInput = inputFor(apiError?.field);
  const errorFor = (input: string) => localErrors[input] ?? (apiInput === input ? apiError?.message : undefined);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const errors: Record<string, string> = {};
    if (!name.trim()) errors.name = 'Give the app a name.';
    if (provider === 'local' && !path.trim()) errors.path = 'Give the path of a git repository on this machine.';
    if (provider === 'github' && connected && !picked) errors.picked = 'Pick a repository.';
    if (provider === 'github' && !connected) {
      if (!/^[\w.-]+\/[\w.-]+$/.test(fullName.trim())) errors.fullName = 'Write the repository as owner/repo.';
      if (!/^\d+$/.test(installationId.trim())) errors.installationId = "The GitHub App installation's id is a number.";
    }
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    const repository: CreateAppRequest['repository'] =
      provider === 'local'
        ? { provider: 'local', path: path.trim() }
        : picked && connected
          ? { provider: 'github', fullName: picked.fullName, installationId: picked.installationId }
          : { provider: 'github', fullName: fullName.trim(), installationId: Number(installationId.trim()) };
    create.mutate({ name: name.trim(), repository });
  }

  function pick(repository: GithubRepository) {
    setPicked(repository);
    if (!name.trim()) setName(appNameFor(repository.fullName));
  }

  return (
    <section className="card" aria-labelledby="create-app-title">
      <h2 id="create-app-title">Create an app</h2>
      <form onSubmit={submit} noValidate className="form">
        <Field id="name" label="Name" hint="Lowercase letters, digits and dashes" error={errorFor('name')}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        {login ? null : (
          <fieldset>
            <legend>Repository</legend>
            <label>
              <input type="radio" name="provider" checked={provider === 'local'} onChange={() => setProvider('local')} />{' '}
              A git repository on this machine
            </label>
            <label>
              <input type="radio" name="provider" checked={provider === 'github'} onChange={() => setProvider('github')} />{' '}
              GitHub
            </label>
          </fieldset>
        )}
        {provider === 'local' ? (
          <Field id="path" label="Repository path" error={errorFor('path')}>
            {(props) => <input {...props} value={path} onChange={(e) => setPath(e.target.value)} />}
          </Field>
        ) : connected ? (
          <RepositoryPicker selected={picked} onSelect={pick} error={errorFor('picked') ?? errorFor('fullName')} />
        ) : login ? (
          <p role="status">
            GitHub is not connected to this Trellis yet: an admin connects it under Settings → GitHub, then you can
            pick a repository here.
          </p>
        ) : (
          <>
            <Field id="fullName" label="GitHub repository (owner/repo)" error={errorFor('fullName')}>
              {(props) => <input {...props} value={fullName} onChange={(e) => setFullName(e.target.value)} />}
            </Field>
            <Field id="installationId" label="GitHub App installation id" error={errorFor('installationId')}>
              {(props) => (
                <input
                  {...props}
                  inputMode="numeric"
                  value={installationId}
                  onChange={(e) => setInstallationId(e.target.value)}
                />
              )}
            </Field>
          </>
        )}
        {create.error && !apiInput ? <ErrorMessage error={create.error} title="The app was not created" /> : null}
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create app'}
        </button>
      </form>
    </section>
  );
}

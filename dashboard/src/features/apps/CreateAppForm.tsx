import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { useNavigate } from 'react-router';

import { ApiError } from '../../api/errors';
import { appsQuery } from '../../api/queries';
import type { CreateAppRequest } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

type Provider = 'local' | 'github';

/** Which input an API error's `field` belongs to. */
function inputFor(field: string | undefined): string | undefined {
  if (!field) return undefined;
  if (field === 'name') return 'name';
  if (field === 'repository' || field === 'repository.path') return 'path';
  if (field === 'repository.fullName') return 'fullName';
  if (field === 'repository.installationId') return 'installationId';
  return undefined;
}

export function CreateAppForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<Provider>('local');
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
    if (provider === 'github') {
      if (!/^[\w.-]+\/[\w.-]+$/.test(fullName.trim())) errors.fullName = 'Write the repository as owner/repo.';
      if (!/^\d+$/.test(installationId.trim())) errors.installationId = "The GitHub App installation's id is a number.";
    }
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    create.mutate({
      name: name.trim(),
      repository:
        provider === 'local'
          ? { provider: 'local', path: path.trim() }
          : { provider: 'github', fullName: fullName.trim(), installationId: Number(installationId.trim()) },
    });
  }

  return (
    <section className="card" aria-labelledby="create-app-title">
      <h2 id="create-app-title">Create an app</h2>
      <form onSubmit={submit} noValidate className="form">
        <Field id="name" label="Name" hint="Lowercase letters, digits and dashes" error={errorFor('name')}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <fieldset>
          <legend>Repository</legend>
          <label>
            <input type="radio" name="provider" checked={provider === 'local'} onChange={() => setProvider('local')} /> A
            git repository on this machine
          </label>
          <label>
            <input type="radio" name="provider" checked={provider === 'github'} onChange={() => setProvider('github')} />{' '}
            GitHub
          </label>
        </fieldset>
        {provider === 'local' ? (
          <Field id="path" label="Repository path" error={errorFor('path')}>
            {(props) => <input {...props} value={path} onChange={(e) => setPath(e.target.value)} />}
          </Field>
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

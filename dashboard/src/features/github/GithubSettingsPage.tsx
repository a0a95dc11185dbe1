import { useMutation, useQuery } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { githubAppQuery } from '../../api/queries';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { postManifest } from './postManifest';

/** Connects Trellis's GitHub App in a few clicks (GitHub's manifest flow), then links to
 * installing it. */
export function GithubSettingsPage() {
  const api = useApi();
  const [params] = useSearchParams();
  const app = useQuery(githubAppQuery(api));
  const [publicUrl, setPublicUrl] = useState(() => window.location.origin);
  const [organisation, setOrganisation] = useState('');
  const connect = useMutation({
    mutationFn: () =>
      api.startGithubManifest({
        publicUrl: publicUrl.trim(),
        ...(organisation.trim() ? { organisation: organisation.trim() } : {}),
        ...(app.data?.connected ? { replace: true } : {}),
      }),
    onSuccess: (manifest) => {
      postManifest(manifest);
    },
  });

  function submit(event: SubmitEvent) {
    event.preventDefault();
    connect.mutate();
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <span aria-current="page">GitHub</span>
      </nav>
      <h1>GitHub</h1>
      {params.get('connected') ? <p role="status">The GitHub App is connected. Install it on the accounts whose repositories Trellis deploys.</p> : null}
      {app.isPending ? <p>Loading…</p> : null}
      <ErrorMessage error={app.error} title="The GitHub App's state could not be read" />
      {app.data?.connected ? (
        <section aria-label="Connected app">
          <p>
            Connected: GitHub App {app.data.slug ?? app.data.appId}
            {app.data.signIn ? ', and people sign in with GitHub.' : '.'}
          </p>
          {app.data.installUrl ? (
            <p>
              <a className="button button-primary" href={app.data.installUrl}>
                Install on GitHub
              </a>
            </p>
          ) : null}
        </section>
      ) : null}
      {app.data ? (
        <form onSubmit={submit} noValidate aria-label={app.data.connected ? 'Create another GitHub App' : 'Connect GitHub'}>
          <p>
            {app.data.connected
              ? 'Creating another app replaces this one in Trellis; the old one keeps its installations until you delete it on GitHub.'
              : 'GitHub creates an app with the addresses and least permissions Trellis needs (repository contents and metadata: read; push events), then sends you back here.'}
          </p>
          <Field id="public-url" label="Where this Trellis is reached" hint="GitHub sends webhooks and browsers here.">
            {(props) => <input {...props} value={publicUrl} onChange={(e) => setPublicUrl(e.target.value)} />}
          </Field>
          <Field id="organisation" label="Organisation (optional)" hint="Create the app in this organisation; its members may sign in.">
            {(props) => <input {...props} value={organisation} onChange={(e) => setOrganisation(e.target.value)} />}
          </Field>
          <ErrorMessage error={connect.error} title="GitHub could not be connected" />
          <button type="submit" className="button button-primary" disabled={connect.isPending}>
            {app.data.connected ? 'Create another GitHub App' : 'Connect GitHub'}
          </button>
        </form>
      ) : null}
    </>
  );
}

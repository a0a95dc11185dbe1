import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { appsQuery } from '../../api/queries';
import type { App } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { repositoryLabel, shortSha } from '../../utils/format';
import { useLiveTopics } from '../../live/useLiveTopics';
import { CreateAppForm } from './CreateAppForm';

export function AppsPage() {
  const api = useApi();
  const apps = useQuery(appsQuery(api));
  useLiveTopics((apps.data ?? []).map((a) => ({ kind: 'app', id: a.name })));

  return (
    <>
      <h1>Apps</h1>
      {apps.isPending ? <p>Loading apps…</p> : null}
      <ErrorMessage error={apps.error} title="Apps could not be loaded" />
      {apps.data && apps.data.length === 0 ? <p>No apps yet: create the first one below.</p> : null}
      {apps.data && apps.data.length > 0 ? (
        <ul className="app-list" aria-label="Apps">
          {apps.data.map((app) => (
            <li key={app.name} className="card">
              <h2>
                <Link to={`/apps/${app.name}`}>{app.name}</Link>
              </h2>
              <p className="muted">{repositoryLabel(app)}</p>
              <ul className="env-summary" aria-label={`${app.name} environments`}>
                {app.environments
                  .filter((env) => !env.preview)
                  .map((env) => (
                    <li key={env.name}>
                      <span className="env-name">{env.name}</span> <StatusBadge status={env.state} />
                      {env.currentCommit ? <code> {shortSha(env.currentCommit.sha)}</code> : null}
                    </li>
                  ))}
              </ul>
              <PreviewCount app={app} />
            </li>
          ))}
        </ul>
      ) : null}
      <CreateAppForm />
    </>
  );
}

/** Previews are not part of the pipeline: counted, not listed, here. */
function PreviewCount({ app }: { app: App }) {
  const open = app.environments.filter((env) => env.preview).length;
  if (open === 0) return null;
  return (
    <p className="muted">
      {open} pull-request {open === 1 ? 'preview' : 'previews'}
    </p>
  );
}

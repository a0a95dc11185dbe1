import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { appQuery } from '../../api/queries';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { DependencyCache } from './DependencyCache';
import { SettingsForm } from './SettingsForm';

export function EnvironmentSettingsPage() {
  const { app: appName = '', env: envName = '' } = useParams();
  const api = useApi();
  const app = useQuery(appQuery(api, appName));
  const env = app.data?.environments.find((e) => e.name === envName);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <Link to={`/apps/${appName}`}>{appName}</Link> /{' '}
        <span aria-current="page">{envName} settings</span>
      </nav>
      <h1>
        {envName} settings <span className="muted">· {appName}</span>
      </h1>
      {app.isPending ? <p>Loading…</p> : null}
      <ErrorMessage error={app.error} title="The settings could not be loaded" />
      {app.data && !env ? <p role="alert">{appName} has no environment named {envName}.</p> : null}
      {app.data && env ? (
        <>
          <SettingsForm key={`${appName}/${envName}`} app={app.data} env={env} />
          <DependencyCache key={`${appName}/${envName}/cache`} app={app.data} env={env} />
        </>
      ) : null}
    </>
  );
}

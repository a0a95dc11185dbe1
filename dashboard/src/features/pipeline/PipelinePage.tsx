import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { appQuery } from '../../api/queries';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useLiveTopic } from '../../live/LiveContext';
import { repositoryLabel } from '../../utils/format';
import { whyNotAdmin } from '../../utils/roles';
import { EnvironmentColumn } from './EnvironmentColumn';
import { PreviewsSection } from './PreviewsSection';
import { pipelineOf, previewsOf } from './rules';

/** One app's environments as columns, in pipeline order, and its pull requests' previews. */
export function PipelinePage() {
  const { app: name = '' } = useParams();
  const api = useApi();
  const app = useQuery(appQuery(api, name));
  useLiveTopic({ kind: 'app', id: name });

  const environments = pipelineOf(app.data?.environments ?? []);
  const previews = previewsOf(app.data?.environments ?? []);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <span aria-current="page">{name}</span>
      </nav>
      <h1>{name}</h1>
      {app.data ? (
        <p className="muted">
          {repositoryLabel(app.data)} · <Link to={`/apps/${name}/members`}>Members</Link>
          {whyNotAdmin(app.data.yourRole) ? null : (
            <>
              {' '}
              · <Link to={`/audit?app=${encodeURIComponent(name)}`}>Audit log</Link>
              {' '}
              · <Link to={`/apps/${name}/notifications`}>Notifications</Link>
            </>
          )}
        </p>
      ) : null}
      {app.isPending ? <p>Loading the pipeline…</p> : null}
      <ErrorMessage error={app.error} title={`${name} could not be loaded`} />
      {app.data ? (
        <>
          <ol className="pipeline" aria-label="Pipeline">
            {environments.map((env, i) => (
              <EnvironmentColumn key={env.name} app={app.data} env={env} next={environments[i + 1]} />
            ))}
          </ol>
          <PreviewsSection app={app.data} pipeline={environments} previews={previews} />
        </>
      ) : null}
    </>
  );
}

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { appQuery, historyQuery, refreshAfterDeployment } from '../../api/queries';
import { type Deployment, isActive } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { CommitSummary } from '../../components/CommitSummary';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDuration, formatRelative, formatTimestamp } from '../../utils/format';
import { useDeploymentAction } from '../../hooks/useDeploymentAction';
import { useNow } from '../../hooks/useNow';
import { useLiveTopic } from '../../live/LiveContext';
import { whyNotYourRole } from '../../utils/roles';

/** Every deployment of one environment, newest first, with rollback and cancel. */
export function HistoryPage() {
  const { app: appName = '', env: envName = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const now = useNow();
  useLiveTopic({ kind: 'app', id: appName });

  const app = useQuery(appQuery(api, appName));
  const history = useQuery(historyQuery(api, appName, envName));
  const env = app.data?.environments.find((e) => e.name === envName);

  const { action, go, ask, dialog } = useDeploymentAction((deployment) => {
    refreshAfterDeployment(queryClient, deployment);
  });

  const role = app.data?.yourRole;

  function rollbackReason(d: Deployment): string | undefined {
    const byRole = env && whyNotYourRole(role, 'rollback', env);
    if (byRole) return byRole;
    if (d.id === env?.currentDeployment) return `${envName} runs this deployment now.`;
    if (env && (env.runningDeployment || env.queuedDeployment)) return `A deployment is in progress in ${envName}.`;
    return undefined;
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <Link to={`/apps/${appName}`}>{appName}</Link> /{' '}
        <span aria-current="page">{envName}</span>
      </nav>
      <h1>
        {envName} history <span className="muted">· {appName}</span>
      </h1>
      <ErrorMessage error={app.error ?? history.error} title="The history could not be loaded" />
      <ErrorMessage error={action.error} title="Refused" />
      {action.data ? (
        <p role="status" className="notice">
          {action.data.trigger === 'rollback' ? 'Rollback' : 'Deployment'} {action.data.status} ·{' '}
          <Link to={`/deployments/${action.data.id}`}>follow it</Link>
        </p>
      ) : null}
      {history.isPending ? <p>Loading deployments…</p> : null}
      {history.data?.length === 0 ? <p>No deployments yet.</p> : null}
      {history.data && history.data.length > 0 && app.data ? (
        <table className="history">
          <caption className="visually-hidden">Deployments of {envName}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Commit</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((d) => (
              <tr key={d.id} data-deployment={d.id}>
                <td>
                  <StatusBadge status={d.status} />
                  {d.id === env?.currentDeployment ? <span className="tag">current</span> : null}
                </td>
                <td>
                  {d.kind === 'teardown' ? 'teardown' : d.trigger}
                </td>
                <td>
                  <CommitSummary commit={d.commit} repository={app.data.repository} />
                </td>
                <td>
                  <time dateTime={d.startedAt ?? d.createdAt} title={formatTimestamp(d.startedAt ?? d.createdAt)}>
                    {formatRelative(d.startedAt ?? d.createdAt, now)}
                  </time>
                </td>
                <td>{formatDuration(d.durationMs)}</td>
                <td className="row-actions">
                  <Link to={`/deployments/${d.id}`} aria-label={`Logs of deployment ${d.id}`}>
                    Logs
                  </Link>
                  {isActive(d.status) ? (
                    <ActionButton
                      disabledReason={(env && whyNotYourRole(role, 'cancel', env)) ?? (d.cancelRequested ? 'Cancellation requested.' : undefined)}
                      onClick={() => go(() => api.cancel(d.id))}
                    >
                      Cancel
                    </ActionButton>
                  ) : null}
                  {d.kind === 'deploy' && d.status === 'succeeded' ? (
                    <ActionButton
                      disabledReason={rollbackReason(d)}
                      onClick={() => {
                        const run = () => api.rollback(appName, envName, d.id);
                        if (env?.protected) {
                          ask({
                            title: `Roll ${envName} of ${appName} back?`,
                            body: (
                              <p>
                                <strong>{envName}</strong> of <strong>{appName}</strong> is redeployed with commit{' '}
                                <code>{d.commit.sha.slice(0, 7)}</code> and the configuration it had then.
                              </p>
                            ),
                            label: `Roll ${envName} back`,
                            danger: true,
                            run,
                          });
                        } else {
                          go(run);
                        }
                      }}
                    >
                      Roll back to this
                    </ActionButton>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {dialog}
    </>
  );
}

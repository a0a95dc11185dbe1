import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { Link } from 'react-router';

import { deploymentQuery, refreshAfterDeployment } from '../../api/queries';
import type { App, Environment } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { CommitSummary } from '../../components/CommitSummary';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDuration, formatRelative, formatTimestamp, isUrl } from '../../utils/format';
import { whyNotYourRole } from '../../utils/roles';
import { useDeploymentAction } from '../../hooks/useDeploymentAction';
import { TeardownButton } from './TeardownButton';
import { useNow } from '../../hooks/useNow';
import { PromotionPreview } from './PromotionPreview';
import { whyNoDeploy, whyNoPromote, whyNoTeardown } from './rules';
import { useApproval } from './useApproval';

interface Props {
  app: App;
  env: Environment;
  next: Environment | undefined;
}

export function EnvironmentColumn({ app, env, next }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const now = useNow();
  const [refFormOpen, setRefFormOpen] = useState(false);
  const [ref, setRef] = useState('');

  const current = useQuery({
    ...deploymentQuery(api, env.currentDeployment ?? ''),
    enabled: Boolean(env.currentDeployment),
  });
  const approval = useApproval(app, env);

  const { action, go, ask, dialog } = useDeploymentAction((deployment) => {
    approval.clear();
    refreshAfterDeployment(queryClient, deployment);
  });

  const activeId = env.runningDeployment ?? (approval.awaiting ? undefined : env.queuedDeployment);
  const deployReason = whyNotYourRole(app.yourRole, 'deploy', env) ?? whyNoDeploy(env);
  const promoteReason = (next && whyNotYourRole(app.yourRole, 'promote', next)) ?? whyNoPromote(env, next);
  const teardownReason = whyNotYourRole(app.yourRole, 'teardown', env) ?? whyNoTeardown(env);
  const outputs = Object.entries(current.data?.outputs ?? {});
  const headingId = `env-${env.name}`;

  function deployRef(event: SubmitEvent) {
    event.preventDefault();
    const chosen = ref.trim();
    if (!chosen) return;
    go(() => api.deploy(app.name, env.name, chosen));
    setRefFormOpen(false);
    setRef('');
  }

  return (
    <li className="environment card" aria-labelledby={headingId} data-environment={env.name}>
      <header className="environment-header">
        <h2 id={headingId}>{env.name}</h2>
        <StatusBadge status={env.state} />
        {env.protected ? <span className="tag">protected</span> : null}
      </header>
      <p className="muted">
        {env.branch ? (
          <>
            tracks <code>{env.branch}</code>
            {env.autoDeploy ? ' · deploys on push' : ' · manual'}
            {env.requiresApproval ? ' · needs approval' : ''}
          </>
        ) : env.protected ? (
          `takes promotions only${env.requiresApproval ? ' · needs approval' : ''}`
        ) : (
          'tracks no branch'
        )}
      </p>

      {env.currentCommit ? (
        <div className="current">
          <CommitSummary commit={env.currentCommit} repository={app.repository} />
          {current.data ? (
            <p className="muted">
              {current.data.kind === 'teardown' ? 'Torn down' : 'Deployed'}{' '}
              <time dateTime={current.data.finishedAt ?? undefined} title={formatTimestamp(current.data.finishedAt)}>
                {formatRelative(current.data.finishedAt, now)}
              </time>{' '}
              in {formatDuration(current.data.durationMs)} · by {current.data.trigger} ·{' '}
              <Link to={`/deployments/${current.data.id}`}>logs</Link>
            </p>
          ) : null}
        </div>
      ) : (
        <p className="muted">Nothing deployed yet.</p>
      )}

      {outputs.length > 0 && env.state === 'deployed' ? (
        <dl className="outputs" aria-label={`${env.name} outputs`}>
          {outputs.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>
                {isUrl(value) ? (
                  <a href={value} target="_blank" rel="noreferrer">
                    {value}
                  </a>
                ) : (
                  <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
                )}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}

      {activeId ? (
        <p className="in-progress" role="status">
          {env.runningDeployment ? 'Deploying now' : 'Queued'} ·{' '}
          <Link to={`/deployments/${activeId}`}>watch the logs</Link>
        </p>
      ) : null}

      {approval.view}

      <div className="actions">
        <ActionButton
          className="button button-primary"
          disabledReason={deployReason}
          onClick={() => go(() => api.deploy(app.name, env.name))}
        >
          Deploy {env.branch ? `${env.branch} head` : 'branch head'}
        </ActionButton>
        {!env.protected ? (
          <button type="button" className="button button-quiet" aria-expanded={refFormOpen} onClick={() => setRefFormOpen((o) => !o)}>
            Deploy a ref…
          </button>
        ) : null}
        {next ? (
          <ActionButton
            disabledReason={promoteReason}
            // Every promotion asks, whatever its target: the question shows what would ship.
            onClick={() =>
              ask({
                title: `Promote ${app.name} to ${next.name}?`,
                body: <PromotionPreview app={app} from={env} to={next} />,
                label: `Promote to ${next.name}`,
                danger: false,
                run: () => api.promote(app.name, env.name),
              })
            }
          >
            Promote to {next.name}
          </ActionButton>
        ) : null}
        <TeardownButton app={app} env={env} disabledReason={teardownReason} ask={ask}>
          This runs the remove command: what <strong>{env.name}</strong> of <strong>{app.name}</strong> has deployed is
          deleted from its AWS account.
        </TeardownButton>
        <Link className="button button-quiet" to={`/apps/${app.name}/environments/${env.name}`}>
          History
        </Link>
        <Link className="button button-quiet" to={`/apps/${app.name}/environments/${env.name}/settings`}>
          Settings
        </Link>
      </div>

      {refFormOpen ? (
        <form className="ref-form" onSubmit={deployRef}>
          <label htmlFor={`${env.name}-ref`}>Branch, tag or commit</label>
          <input id={`${env.name}-ref`} value={ref} onChange={(e) => setRef(e.target.value)} />
          <ActionButton type="submit" disabledReason={whyNoDeploy(env, ref.trim() || 'x') ?? (ref.trim() ? undefined : 'Name a branch, tag or commit.')}>
            Deploy ref
          </ActionButton>
        </form>
      ) : null}

      {action.data ? (
        <p role="status" className="notice">
          {action.data.trigger === 'promote' ? `Promotion to ${action.data.environment}` : `Deployment to ${action.data.environment}`}{' '}
          {action.data.status.replace('_', ' ')} · <Link to={`/deployments/${action.data.id}`}>follow it</Link>
        </p>
      ) : null}
      <ErrorMessage error={action.error} title="Refused" />

      {dialog}
    </li>
  );
}

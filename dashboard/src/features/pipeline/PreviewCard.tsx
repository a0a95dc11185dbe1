import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';

import { refreshAfterDeployment } from '../../api/queries';
import type { App } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { CommitSummary } from '../../components/CommitSummary';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { useDeploymentAction } from '../../hooks/useDeploymentAction';
import { TeardownButton } from './TeardownButton';
import { whyNotYourRole } from '../../utils/roles';
import { type PreviewEnvironment, whyNoDeploy, whyNoTeardown } from './rules';
import { useApproval } from './useApproval';

/** One pull request's preview: what it runs and what may be done to it. Never a promotion:
 * previews are outside the pipeline. */
export function PreviewCard({ app, env }: { app: App; env: PreviewEnvironment }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const approval = useApproval(app, env);
  const { action, go, ask, dialog } = useDeploymentAction((deployment) => {
    approval.clear();
    refreshAfterDeployment(queryClient, deployment);
  });

  const pr = env.preview;
  const activeId = env.runningDeployment ?? (approval.awaiting ? undefined : env.queuedDeployment);
  const deployReason = whyNotYourRole(app.yourRole, 'deploy', env) ?? whyNoDeploy(env);
  const teardownReason = whyNotYourRole(app.yourRole, 'teardown', env) ?? whyNoTeardown(env);
  const headingId = `preview-${env.name}`;

  return (
    <li className="environment card preview" aria-labelledby={headingId} data-environment={env.name}>
      <header className="environment-header">
        <h3 id={headingId}>
          #{pr.number} {pr.headRef}
        </h3>
        <StatusBadge status={env.state} />
        {pr.fork ? <span className="tag">fork</span> : null}
      </header>
      <p className="muted">
        <code>{env.name}</code>
        {pr.fork ? (
          <>
            {' '}
            · from <code>{pr.headRepository}</code> (fork) · each deployment needs approval
          </>
        ) : null}
      </p>
      {pr.closed ? <p className="warning">closing: being torn down</p> : null}

      {env.currentCommit ? (
        <div className="current">
          <CommitSummary commit={env.currentCommit} repository={app.repository} />
        </div>
      ) : (
        <p className="muted">Nothing deployed yet.</p>
      )}

      {activeId ? (
        <p className="in-progress" role="status">
          {env.runningDeployment ? 'Deploying now' : 'Queued'} · <Link to={`/deployments/${activeId}`}>watch the logs</Link>
        </p>
      ) : null}
      {approval.view}

      <div className="actions">
        <ActionButton
          className="button button-primary"
          disabledReason={deployReason}
          onClick={() => go(() => api.deploy(app.name, env.name))}
        >
          Deploy {pr.headRef} head
        </ActionButton>
        <TeardownButton app={app} env={env} disabledReason={teardownReason} ask={ask}>
          This runs the remove command: what the preview of pull request #{pr.number} has deployed is deleted from
          its AWS account. The preview stays while the pull request is open; its next push deploys it again.
        </TeardownButton>
        <Link className="button button-quiet" to={`/apps/${app.name}/environments/${env.name}`}>
          History
        </Link>
        {env.currentDeployment ? (
          <Link className="button button-quiet" to={`/deployments/${env.currentDeployment}`}>
            Current deployment
          </Link>
        ) : null}
      </div>

      {action.data ? (
        <p role="status" className="notice">
          {action.data.kind === 'teardown' ? 'Teardown' : 'Deployment'} of {action.data.environment}{' '}
          {action.data.status.replace('_', ' ')} · <Link to={`/deployments/${action.data.id}`}>follow it</Link>
        </p>
      ) : null}
      <ErrorMessage error={action.error} title="Refused" />

      {dialog}
    </li>
  );
}

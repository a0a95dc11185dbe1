import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import { appQuery, deploymentQuery, refreshAfterDeployment } from '../../api/queries';
import { isActive, isTerminal } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { ApprovalActions } from '../../components/ApprovalActions';
import { CommitSummary } from '../../components/CommitSummary';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDuration, formatTimestamp, isUrl } from '../../utils/format';
import { whyNotYourRole } from '../../utils/roles';
import { CacheReport } from './CacheReport';
import { GithubFeedback, feedbackPending } from './GithubFeedback';
import { LogView } from './LogView';
import { StepList } from './StepList';
import { useDeploymentLogs } from './useDeploymentLogs';

const FEEDBACK_REFETCH_MS = 3_000;

/** One deployment: its status, commit, steps and live log. */
export function DeploymentPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const deployment = useQuery({
    ...deploymentQuery(api, id),
    // GitHub is told in the background and nothing is pushed when it has been: the page reads
    // again until nothing is left to say, so what it shows settles without a reload.
    refetchInterval: (query) => (query.state.data?.feedback?.some(feedbackPending) ? FEEDBACK_REFETCH_MS : false),
  });
  const d = deployment.data;
  const app = useQuery({ ...appQuery(api, d?.app ?? ''), enabled: Boolean(d) });
  const logs = useDeploymentLogs(id, d?.status);
  const [jumpTo, setJumpTo] = useState<{ index: number; nonce: number }>();
  const cancel = useMutation({
    mutationFn: () => api.cancel(id),
    onSuccess: (updated) => {
      refreshAfterDeployment(queryClient, updated);
    },
  });

  if (deployment.isPending) return <p>Loading the deployment…</p>;
  if (!d) return <ErrorMessage error={deployment.error} title="The deployment could not be loaded" />;
  const outputs = Object.entries(d.outputs);
  const env = app.data?.environments.find((e) => e.name === d.environment);
  const role = app.data?.yourRole;
  const cancelReason =
    (env && whyNotYourRole(role, 'cancel', env)) ??
    (d.cancelRequested ? 'Cancellation requested; the runner is stopping.' : undefined);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <Link to={`/apps/${d.app}`}>{d.app}</Link> /{' '}
        <Link to={`/apps/${d.app}/environments/${d.environment}`}>{d.environment}</Link> /{' '}
        <span aria-current="page">{d.id}</span>
      </nav>
      <header className="deployment-header">
        <h1>
          {d.kind === 'teardown' ? 'Teardown of' : 'Deployment to'} {d.environment}
        </h1>
        <StatusBadge status={d.status} />
      </header>
      <dl className="facts">
        <div>
          <dt>Commit</dt>
          <dd>{app.data ? <CommitSummary commit={d.commit} repository={app.data.repository} /> : <code>{d.commit.sha}</code>}</dd>
        </div>
        {d.requestedBy ? (
          <div>
            <dt>Requested by</dt>
            <dd>{d.requestedBy}</dd>
          </div>
        ) : null}
        {d.approvedBy ? (
          <div>
            <dt>Approved by</dt>
            <dd>{d.approvedBy}</dd>
          </div>
        ) : null}
        <div>
          <dt>Trigger</dt>
          <dd>
            {d.trigger}
            {d.promotedFrom ? (
              <>
                {' '}
                of <Link to={`/deployments/${d.promotedFrom}`}>{d.promotedFrom}</Link>
              </>
            ) : null}
            {d.rollbackOf ? (
              <>
                {' '}
                to <Link to={`/deployments/${d.rollbackOf}`}>{d.rollbackOf}</Link>
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{d.startedAt ? formatTimestamp(d.startedAt) : 'not yet'}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(d.durationMs)}</dd>
        </div>
      </dl>
      {/* Reported once the deployment ends; older deployments have none. */}
      {d.cache ? <CacheReport report={d.cache} /> : null}
      {d.error ? (
        <p role="alert" className="error">
          <strong>{d.status === 'cancelled' ? 'Cancelled' : 'Failed'}: </strong>
          {d.error}
        </p>
      ) : null}
      {outputs.length > 0 ? (
        <dl className="outputs" aria-label="Outputs">
          {outputs.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{isUrl(value) ? <a href={value}>{value}</a> : <code>{JSON.stringify(value)}</code>}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {d.feedback?.length ? <GithubFeedback feedback={d.feedback} environment={d.environment} /> : null}
      {d.status === 'awaiting_approval' ? (
        <section className="approval-request" aria-label="Approval">
          <p>
            {d.environment} requires approval: an admin
            {d.requestedBy ? ` other than ${d.requestedBy}` : ''} approves this deployment, and it starts when{' '}
            {d.environment} is free, or rejects it.
          </p>
          {/* The role comes with the app: until it is known, nothing is offered. */}
          {env ? <ApprovalActions deployment={d} env={env} role={role} /> : null}
        </section>
      ) : null}
      {isActive(d.status) ? (
        <ActionButton className="button button-danger" disabledReason={cancelReason} onClick={() => cancel.mutate()}>
          Cancel deployment
        </ActionButton>
      ) : null}
      <ErrorMessage error={cancel.error} title="Not cancelled" />
      <StepList steps={logs.buffer.steps} version={logs.version} onSelect={(index) => setJumpTo({ index, nonce: Date.now() })} />
      <ErrorMessage error={logs.error} title="The log could not be read" />
      <LogView lines={logs.buffer.lines} version={logs.version} jumpTo={jumpTo} />
      <p className="muted log-status" role="status">
        {logs.complete && isTerminal(d.status)
          ? `End of log · ${logs.buffer.lines.length} lines`
          : d.status === 'queued'
            ? 'Waiting for the environment to be free…'
            : d.status === 'awaiting_approval'
              ? 'Waiting for an admin to approve it…'
            : `Streaming · ${logs.buffer.lines.length} lines so far`}
      </p>
    </>
  );
}

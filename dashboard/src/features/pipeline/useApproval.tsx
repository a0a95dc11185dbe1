import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { deploymentQuery } from '../../api/queries';
import type { App, Deployment, Environment } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ApprovalActions } from '../../components/ApprovalActions';
import { shortSha } from '../../utils/format';

/** The deployment waiting for approval in `env`'s queued slot, if any; `view` shows it with
 * the approval buttons, then the decision once taken (until `clear`). */
export function useApproval(app: App, env: Environment) {
  const api = useApi();
  const [decided, setDecided] = useState<Deployment | undefined>();

  // The queued slot may hold a deployment that waits for approval rather than for the runner.
  const queued = useQuery({
    ...deploymentQuery(api, env.queuedDeployment ?? ''),
    enabled: Boolean(env.queuedDeployment),
  });
  const awaiting = env.queuedDeployment && queued.data?.status === 'awaiting_approval' ? queued.data : undefined;

  const view = (
    <>
      {awaiting ? (
        <div className="approval-request">
          <p className="in-progress">
            Awaiting approval: <Link to={`/deployments/${awaiting.id}`}>{shortSha(awaiting.commit.sha)}</Link>
            {awaiting.requestedBy ? ` requested by ${awaiting.requestedBy}` : ''}
          </p>
          <ApprovalActions deployment={awaiting} env={env} role={app.yourRole} onDecided={setDecided} />
        </div>
      ) : null}
      {decided ? (
        <p role="status" className="notice">
          {decided.status === 'cancelled' ? 'Rejected: it will not run' : `Approved: it is ${decided.status}`} ·{' '}
          <Link to={`/deployments/${decided.id}`}>follow it</Link>
        </p>
      ) : null}
    </>
  );
  return { awaiting, view, clear: () => setDecided(undefined) };
}

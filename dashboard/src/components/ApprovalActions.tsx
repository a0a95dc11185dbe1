import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useId, useState } from 'react';

import { ApiError } from '../api/errors';
import { refreshAfterDeployment } from '../api/queries';
import type { Deployment, Environment, Role } from '../api/types';
import { useApi } from '../auth/SessionContext';
import { useYou } from '../hooks/useYou';
import { whyNoApprove, whyNoReject } from '../utils/roles';
import { ActionButton } from './ActionButton';
import { ErrorMessage } from './ErrorMessage';
import { Field } from './Field';

/** `MAX_REASON_CHARS` in functions/core/src/pipeline/approvals.rs. */
const MAX_REASON_CHARS = 500;

/** The API's rule for a rejection's reason: it trims it and counts characters, not bytes. */
export function reasonProblem(reason: string): string | undefined {
  const length = Array.from(reason.trim()).length;
  if (length === 0) return 'Say why it is rejected: the requester reads it.';
  if (length > MAX_REASON_CHARS) return `At most ${MAX_REASON_CHARS} characters (this is ${length}).`;
  return undefined;
}

interface Props {
  /** A deployment awaiting approval. */
  deployment: Deployment;
  env: Environment;
  role: Role | null | undefined;
  /** After the API took the decision (the caches are refreshed already). */
  onDecided?: (deployment: Deployment) => void;
}

/** Approve, or reject with a reason, a deployment that waits for approval. */
export function ApprovalActions({ deployment, env, role, onDecided }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const you = useYou();
  const formId = useId();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();

  const decided = (updated: Deployment) => {
    refreshAfterDeployment(queryClient, updated);
    onDecided?.(updated);
  };
  const approve = useMutation({ mutationFn: () => api.approve(deployment.id), onSuccess: decided });
  const reject = useMutation({
    mutationFn: (why: string) => api.reject(deployment.id, why),
    onSuccess: (updated) => {
      setRejecting(false);
      setReason('');
      decided(updated);
    },
  });

  const sending = approve.isPending || reject.isPending ? 'Sending the decision…' : undefined;
  // Until the API says whose token this is, the requester rule cannot be judged.
  const approveRule = whyNoApprove(role, env, deployment, you.name);
  const approveReason = approveRule ?? (you.pending ? 'Checking who you are…' : sending);
  const rejectReason = whyNoReject(role, env) ?? sending;
  const apiError = reject.error instanceof ApiError && reject.error.field === 'reason' ? reject.error.message : undefined;

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const found = reasonProblem(reason);
    setProblem(found);
    reject.reset();
    if (!found) reject.mutate(reason.trim());
  }

  return (
    <div className="approval" role="group" aria-label={`Approval of deployment ${deployment.id}`}>
      <div className="actions">
        <ActionButton
          className="button button-primary"
          disabledReason={approveReason}
          onClick={() => {
            reject.reset();
            approve.mutate();
          }}
        >
          Approve
        </ActionButton>
        <ActionButton
          className="button button-danger"
          disabledReason={rejectReason}
          aria-expanded={rejecting}
          onClick={() => {
            approve.reset();
            setRejecting((open) => !open);
          }}
        >
          Reject
        </ActionButton>
      </div>
      {/* Not only a tooltip: whoever may not approve should not have to hover to learn why. */}
      {approveRule ? <p className="muted approval-why">{approveRule}</p> : null}
      {rejecting ? (
        <form className="reject-form" onSubmit={submit} noValidate aria-label={`Reject deployment ${deployment.id}`}>
          <Field
            id={`${formId}-reason`}
            label="Why is it rejected?"
            hint={`1 to ${MAX_REASON_CHARS} characters. It stays on the deployment and in the audit log.`}
            error={problem ?? apiError}
          >
            {(props) => <textarea {...props} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
          <div className="actions">
            <button type="submit" className="button button-danger" disabled={reject.isPending}>
              Confirm rejection
            </button>
            <button type="button" className="button button-quiet" onClick={() => setRejecting(false)}>
              Keep it waiting
            </button>
          </div>
        </form>
      ) : null}
      <ErrorMessage error={approve.error} title="Not approved" />
      {apiError ? null : <ErrorMessage error={reject.error} title="Not rejected" />}
    </div>
  );
}

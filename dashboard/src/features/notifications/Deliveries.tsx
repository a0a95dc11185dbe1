import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { deliveriesQuery } from '../../api/queries';
import type { Delivery } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNow } from '../../hooks/useNow';
import { formatRelative, formatTimestamp, formatUntil } from '../../utils/format';
import { deliveryPending, eventLabel } from './rules';

const PENDING_REFETCH_MS = 3_000;

function attempts(n: number): string {
  return `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
}

/** A destination's recent deliveries, newest first. */
export function Deliveries({ app, destinationId, label }: { app: string; destinationId: string; label: string }) {
  const api = useApi();
  const deliveries = useQuery({
    ...deliveriesQuery(api, app, destinationId),
    // Deliveries are sent in the background and nothing is pushed when they are: the list is
    // read again until none is left to send, so "next try in 5 s" settles without a reload.
    refetchInterval: (query) => (query.state.data?.some(deliveryPending) ? PENDING_REFETCH_MS : false),
  });
  // Often enough that "next try in 5 s" does not linger long after it was tried.
  const now = useNow(5_000);

  if (deliveries.isPending) return <p>Loading deliveries…</p>;
  if (!deliveries.data) return <ErrorMessage error={deliveries.error} title="The deliveries could not be read" />;
  if (deliveries.data.length === 0) return <p className="muted">Nothing has been sent here yet.</p>;
  return (
    <ul className="deliveries" aria-label={label}>
      {deliveries.data.map((d) => (
        <li key={d.id}>
          <strong>{eventLabel(d.event)}</strong> · <Link to={`/deployments/${d.deploymentId}`}>{d.deploymentId}</Link> ·{' '}
          <DeliveryState delivery={d} now={now} />
          <FailedTries delivery={d} />
        </li>
      ))}
    </ul>
  );
}

function DeliveryState({ delivery: d, now }: { delivery: Delivery; now: number }) {
  const failure = d.lastError ? (
    <span className="delivery-error warning">
      <span aria-hidden="true">⚠</span> Last try failed: {d.lastError}
    </span>
  ) : null;
  if (d.deliveredAt) {
    return (
      <span className="delivery-done" title={formatTimestamp(d.deliveredAt)}>
        <span aria-hidden="true">✓</span> delivered {formatRelative(d.deliveredAt, now)}
        {d.attempts > 1 ? ` (after ${attempts(d.attempts)})` : ''}
      </span>
    );
  }
  if (d.gaveUp) {
    return (
      <>
        <span className="warning">
          <span aria-hidden="true">⚠</span> Trellis gave up after {attempts(d.attempts)}
        </span>
        {failure}
      </>
    );
  }
  return (
    <>
      <span>
        <span aria-hidden="true">◐</span> pending: {d.attempts === 0 ? 'not tried yet' : `${attempts(d.attempts)} so far`}
        {d.nextAttemptAt ? `, next try ${formatUntil(d.nextAttemptAt, now)}` : ''}
      </span>
      {failure}
    </>
  );
}

/** Failed tries stay listed after a later one succeeded: a receiver that is often down shows. */
function FailedTries({ delivery: d }: { delivery: Delivery }) {
  if (!d.deliveredAt || d.failures.length === 0) return null;
  return (
    <details className="delivery-failures">
      <summary>
        {d.failures.length} failed {d.failures.length === 1 ? 'try' : 'tries'} before
      </summary>
      <ul>
        {d.failures.map((f) => (
          <li key={f.at}>
            <time dateTime={f.at}>{formatTimestamp(f.at)}</time>: {f.error}
          </li>
        ))}
      </ul>
    </details>
  );
}

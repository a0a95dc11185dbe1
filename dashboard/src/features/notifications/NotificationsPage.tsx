import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';

import { ApiError } from '../../api/errors';
import { destinationsQuery } from '../../api/queries';
import type { CreatedDestination, Destination } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatTimestamp } from '../../utils/format';
import { Deliveries } from './Deliveries';
import { DestinationForm } from './DestinationForm';
import { SigningKey } from './SigningKey';
import { eventLabel, kindLabel } from './rules';

/** Where one app's deployment events are sent: Slack channels and signed webhooks (admins). */
export function NotificationsPage() {
  const { app = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const destinations = useQuery(destinationsQuery(api, app));
  const [created, setCreated] = useState<CreatedDestination | undefined>();
  const [removing, setRemoving] = useState<Destination | undefined>();
  const remove = useMutation({
    mutationFn: (id: string) => api.deleteDestination(app, id),
    onSuccess: async (_, id) => {
      // A key for a destination that is gone is of no use.
      setCreated((shown) => (shown?.destination.id === id ? undefined : shown));
      await queryClient.invalidateQueries({ queryKey: destinationsQuery(api, app).queryKey });
    },
  });
  const refused = destinations.error instanceof ApiError && destinations.error.status === 403;
  const list = destinations.data;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <Link to={`/apps/${app}`}>{app}</Link> / <span aria-current="page">Notifications</span>
      </nav>
      <h1>
        Notifications <span className="muted">· {app}</span>
      </h1>
      <p className="muted">
        Trellis tells these destinations of the deployment events they choose, in the background, trying again for a while
        when one does not answer.
      </p>
      <ErrorMessage error={destinations.error} title={refused ? 'Not allowed' : 'The notifications could not be read'} />
      {refused ? <p className="muted">Only an app&apos;s admins manage its notifications; ask one of them.</p> : null}
      {destinations.isPending ? <p>Loading destinations…</p> : null}
      {list ? (
        <>
          <ErrorMessage error={remove.error} title="The destination was not removed" />
          {list.length === 0 ? <p>No destinations yet: nothing is sent.</p> : null}
          <ul className="destinations" aria-label="Destinations">
            {list.map((d) => (
              <DestinationItem key={d.id} app={app} destination={d} onRemove={() => setRemoving(d)} />
            ))}
          </ul>
          {/* Next to the form that asked for it, where the eye already is. */}
          {created?.signingKey ? (
            <SigningKey destination={created.destination} signingKey={created.signingKey} onDone={() => setCreated(undefined)} />
          ) : created ? (
            <p role="status" className="notice">
              {created.destination.name} added: Trellis posts to {created.destination.host} from the next event.
            </p>
          ) : null}
          <DestinationForm app={app} count={list.length} onCreated={setCreated} />
        </>
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove"
          danger
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => {
            setRemoving(undefined);
            remove.mutate(removing.id);
          }}
        >
          <p>
            Trellis stops sending to {removing.host} and forgets the URL
            {removing.kind === 'webhook' ? ' and the signing key' : ''}. Adding it back needs the URL again.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function DestinationItem({ app, destination: d, onRemove }: { app: string; destination: Destination; onRemove: () => void }) {
  const nameId = useId();
  const deliveriesId = useId();
  const [open, setOpen] = useState(false);
  return (
    <li className="card destination" aria-labelledby={nameId}>
      <div className="destination-header">
        <strong id={nameId}>{d.name}</strong>
        <span className="tag">{kindLabel(d.kind)}</span>
        <span className="mono">{d.host}</span>
        <button type="button" className="button button-danger" onClick={onRemove}>
          Remove
        </button>
      </div>
      <p className="muted">
        {d.events.map((e) => eventLabel(e)).join(' · ')}
        <br />
        Added by {d.createdBy} on {formatTimestamp(d.createdAt)}
      </p>
      <button
        type="button"
        className="button button-quiet"
        aria-expanded={open}
        aria-controls={deliveriesId}
        onClick={() => setOpen((was) => !was)}
      >
        <span aria-hidden="true">{open ? '▾' : '▸'}</span> Recent deliveries
      </button>
      {/* Read only when asked for: each list is a request, and pending ones are read again. */}
      <div id={deliveriesId}>{open ? <Deliveries app={app} destinationId={d.id} label={`Deliveries to ${d.name}`} /> : null}</div>
    </li>
  );
}

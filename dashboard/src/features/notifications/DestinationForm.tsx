import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useId, useState } from 'react';

import { ApiError } from '../../api/errors';
import { destinationsQuery } from '../../api/queries';
import type { CreatedDestination, DestinationKind } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { DEFAULT_EVENTS, type DestinationErrors, EVENTS, KINDS, MAX_DESTINATIONS, validateDestination } from './rules';

type Input = keyof DestinationErrors;

/** Which input an API error's `field` belongs to (the API names them as the form does). */
function inputFor(field: string | undefined): Input | undefined {
  return field === 'name' || field === 'url' || field === 'events' ? field : undefined;
}

interface Props {
  app: string;
  /** How many destinations the app has: the API refuses more than {@link MAX_DESTINATIONS}. */
  count: number;
  onCreated: (created: CreatedDestination) => void;
}

/** Adds a destination. The URL goes to the app's secrets: nothing shows it again. */
export function DestinationForm({ app, count, onCreated }: Props) {
  const api = useApi();
  const queryClient = useQueryClient();
  const eventsId = useId();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<DestinationKind>('slack');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<readonly string[]>(DEFAULT_EVENTS);
  const [localErrors, setLocalErrors] = useState<DestinationErrors>({});

  const create = useMutation({
    mutationFn: () => api.createDestination(app, { name: name.trim(), kind, url: url.trim(), events: [...events] }),
    onSuccess: async (created) => {
      onCreated(created);
      setName('');
      setUrl('');
      setKind('slack');
      setEvents(DEFAULT_EVENTS);
      await queryClient.invalidateQueries({ queryKey: destinationsQuery(api, app).queryKey });
    },
  });

  const apiError = create.error instanceof ApiError ? create.error : undefined;
  const apiInput = inputFor(apiError?.field);
  const errorFor = (input: Input) => localErrors[input] ?? (apiInput === input ? apiError?.message : undefined);
  const full = count >= MAX_DESTINATIONS ? `An app has at most ${MAX_DESTINATIONS} destinations: remove one first.` : undefined;

  function toggle(event: string, on: boolean) {
    // Kept in the API's order, whatever order they were ticked in.
    setEvents((chosen) => EVENTS.map((e) => e.name).filter((e) => (e === event ? on : chosen.includes(e))));
  }

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const errors = validateDestination({ name, url, events });
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    create.mutate();
  }

  const eventsError = errorFor('events');
  return (
    <section className="card" aria-labelledby="new-destination-title">
      <h2 id="new-destination-title">Add a destination</h2>
      <form onSubmit={submit} noValidate className="form" aria-label="Add a destination">
        <Field id="destination-name" label="Name" hint="1 to 60 characters, e.g. “#deploys”." error={errorFor('name')}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field id="destination-kind" label="Kind">
          {(props) => (
            <select {...props} value={kind} onChange={(e) => setKind(e.target.value as DestinationKind)}>
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="destination-url"
          label="URL"
          hint={`${
            kind === 'slack' ? 'The incoming webhook’s URL from Slack. ' : 'Where Trellis posts each event as signed JSON. '
          }It is stored as a secret and never shown again: the list shows only its host.`}
          error={errorFor('url')}
        >
          {(props) => (
            <input
              {...props}
              type="url"
              autoComplete="off"
              placeholder={kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://'}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <fieldset
          className="plain"
          aria-invalid={eventsError ? true : undefined}
          aria-describedby={eventsError ? `${eventsId}-error` : undefined}
        >
          <legend>Events</legend>
          <div className="event-choices">
            {EVENTS.map((e) => (
              <label key={e.name}>
                <input type="checkbox" checked={events.includes(e.name)} onChange={(c) => toggle(e.name, c.target.checked)} />{' '}
                {e.label} <code className="muted">{e.name}</code>
              </label>
            ))}
          </div>
          {eventsError ? (
            <small id={`${eventsId}-error`} className="field-error" role="alert">
              {eventsError}
            </small>
          ) : null}
        </fieldset>
        {create.error && !apiInput ? <ErrorMessage error={create.error} title="The destination was not added" /> : null}
        <ActionButton type="submit" className="button button-primary" disabledReason={full} disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add destination'}
        </ActionButton>
      </form>
    </section>
  );
}

import { type SubmitEvent, useState } from 'react';

import type { AuditFilters } from '../../api/client';
import { Field } from '../../components/Field';
import { isoToLocalInput, localInputToIso } from './timeInput';

interface Props {
  filters: AuditFilters;
  /** The apps whose log the caller may read. */
  apps: string[];
  /** Only the admin token reads every app's entries at once. */
  allApps: boolean;
  onApply: (filters: AuditFilters) => void;
}

/** Which entries to show; applied on submit, so typing sends no request. */
export function AuditFilterForm({ filters, apps, allApps, onApply }: Props) {
  const [app, setApp] = useState(filters.app ?? '');
  const [actor, setActor] = useState(filters.actor ?? '');
  const [since, setSince] = useState(isoToLocalInput(filters.since));
  const [until, setUntil] = useState(isoToLocalInput(filters.until));
  const [problem, setProblem] = useState<string | undefined>();
  // An app named in the address stays selectable even if the list does not have it (yet).
  const choices = filters.app && !apps.includes(filters.app) ? [filters.app, ...apps] : apps;

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const [from, to] = [localInputToIso(since), localInputToIso(until)];
    if (from && to && from >= to) {
      setProblem('The end of the range must come after its start.');
      return;
    }
    setProblem(undefined);
    onApply({ app: app || undefined, actor: actor.trim() || undefined, since: from, until: to });
  }

  return (
    <form className="filters" onSubmit={submit} noValidate aria-label="Filter the audit log">
      <Field id="audit-app" label="App">
        {(props) => (
          <select {...props} value={app} onChange={(e) => setApp(e.target.value)}>
            <option value="" disabled={!allApps}>
              {allApps ? 'All apps' : 'Choose an app…'}
            </option>
            {choices.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="audit-actor" label="Actor" hint="A login, or “admin token”.">
        {(props) => <input {...props} value={actor} onChange={(e) => setActor(e.target.value)} />}
      </Field>
      <Field id="audit-since" label="From">
        {(props) => <input {...props} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />}
      </Field>
      <Field id="audit-until" label="Until" error={problem}>
        {(props) => <input {...props} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
      </Field>
      <button type="submit" className="button button-primary">
        Show entries
      </button>
    </form>
  );
}

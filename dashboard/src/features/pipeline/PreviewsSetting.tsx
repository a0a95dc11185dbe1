import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';

import { ApiError } from '../../api/errors';
import { queryKeys } from '../../api/queries';
import type { App, Environment } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

/** The select's id: the "turn them on" link points at it. */
export const PREVIEWS_FIELD_ID = 'previews-base';
/** The field the API names when it refuses the base environment. */
const API_FIELD = 'previews.baseEnvironment';

/** An admin's switch for pull-request previews: the environment they are made from, or off. */
export function PreviewsSetting({ app, pipeline }: { app: App; pipeline: Environment[] }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const current = app.previewsFrom ?? '';
  const [choice, setChoice] = useState(current);
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: (base: string) => api.setPreviews(app.name, base || null),
    onSuccess: (updated) => {
      setSaved(true);
      setChoice(updated.previewsFrom ?? '');
      queryClient.setQueryData(queryKeys.app(app.name), updated);
      void queryClient.invalidateQueries({ queryKey: queryKeys.apps });
    },
  });

  const fieldError = save.error instanceof ApiError && save.error.field === API_FIELD ? save.error.message : undefined;
  const names = pipeline.map((e) => e.name);
  // A base the pipeline no longer has still shows as what is set, so that it can be changed.
  if (current && !names.includes(current)) names.push(current);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    setSaved(false);
    save.mutate(choice);
  }

  return (
    <form className="previews-setting" onSubmit={submit} noValidate aria-label="Pull-request previews setting">
      <Field
        id={PREVIEWS_FIELD_ID}
        label="Make previews from"
        hint="Each open pull request gets an environment pr-<number> with this environment's settings and variables (its secrets only for branches of the repository itself, never for a fork)."
        error={fieldError}
      >
        {(props) => (
          <select
            {...props}
            value={choice}
            onChange={(e) => {
              setSaved(false);
              save.reset();
              setChoice(e.target.value);
            }}
          >
            <option value="">Off</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save previews setting'}
        </button>
      </div>
      {saved ? (
        <p role="status" className="notice">
          {app.previewsFrom
            ? `Saved: pull requests get previews made from ${app.previewsFrom}.`
            : 'Saved: pull requests get no new previews. Previews made already are not removed.'}
        </p>
      ) : null}
      {fieldError ? null : <ErrorMessage error={save.error} title="Not saved" />}
    </form>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';

import { ApiError } from '../../api/errors';
import { appQuery } from '../../api/queries';
import type { App, Environment, UpdateEnvironmentRequest } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { whyNotYourRole } from '../../utils/roles';
import { BRANCH_OPTIONS_ID, BranchOptions } from './BranchOptions';
import { type FormErrors, type SettingsFormValues, formValues, inputForApiField, rowKey, toPatch, validate } from './settingsValues';

const COMMANDS = [
  // The SST preset (functions/core): what a build runs when neither environment nor app says.
  { field: 'installCommand', label: 'Install command', fallback: 'detected from the lockfile (npm, pnpm, yarn, bun)' },
  { field: 'testCommand', label: 'Test command', fallback: 'npm test' },
  { field: 'deployCommand', label: 'Deploy command', fallback: 'npx sst deploy --stage "$TRELLIS_STAGE"' },
  { field: 'removeCommand', label: 'Remove command', fallback: 'npx sst remove --stage "$TRELLIS_STAGE"' },
] as const;

export function SettingsForm({ app, env }: { app: App; env: Environment }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<SettingsFormValues>(() => formValues(env));
  const [errors, setErrors] = useState<FormErrors>({});
  const [saved, setSaved] = useState(false);
  const notAllowed = whyNotYourRole(app.yourRole, 'configure', env);

  const save = useMutation({
    mutationFn: (patch: UpdateEnvironmentRequest) => api.updateEnvironment(app.name, env.name, patch),
    onSuccess: async (updated) => {
      setValues(formValues(updated));
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: appQuery(api, app.name).queryKey });
    },
  });

  const apiError = save.error instanceof ApiError ? save.error : undefined;
  const apiInput = inputForApiField(apiError?.field, values);
  const errorFor = (input: string) => errors[input] ?? (apiInput === input ? apiError?.message : undefined);
  const set = (change: Partial<SettingsFormValues>) => {
    setSaved(false);
    setValues((v) => ({ ...v, ...change }));
  };

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const found = validate(values, env);
    setErrors(found);
    save.reset();
    if (Object.keys(found).length > 0) return;
    const patch = toPatch(values, env);
    if (Object.keys(patch).length === 0) {
      setSaved(true);
      return;
    }
    save.mutate(patch);
  }

  const inherited = (field: (typeof COMMANDS)[number]['field'], fallback: string) =>
    `inherits: ${app.settings[field] ?? fallback}`;

  return (
    <form className="form settings" onSubmit={submit} noValidate aria-label={`${env.name} settings`}>
      {notAllowed ? (
        <p className="notice" role="note">
          {notAllowed} You can read these settings; an admin of {app.name} changes them.
        </p>
      ) : null}
      {/* One switch for every input: what the role may not change is shown, not editable. */}
      <fieldset className="plain" disabled={Boolean(notAllowed)}>
        <section>
          <h2>Source</h2>
          <Field id="branch" label="Tracked branch" hint="Pushes to this branch deploy here when auto-deploy is on." error={errorFor('branch')}>
            {(props) => (
              <input
                {...props}
                list={BRANCH_OPTIONS_ID}
                autoComplete="off"
                value={values.branch}
                onChange={(e) => set({ branch: e.target.value })}
              />
            )}
          </Field>
          <BranchOptions app={app.name} typed={values.branch} />
          {env.protected ? (
            <p className="muted">
              {env.name} is protected: it is never deployed by a push, only by a promotion or a rollback.
            </p>
          ) : (
            <Field id="autoDeploy" label="Deploy on every push to the tracked branch" error={errorFor('autoDeploy')}>
              {(props) => (
                <input {...props} type="checkbox" checked={values.autoDeploy} onChange={(e) => set({ autoDeploy: e.target.checked })} />
              )}
            </Field>
          )}
          <Field
            id="requiresApproval"
            label="Require an admin's approval before each deployment"
            hint={
              env.protected
                ? 'Promotions and rollbacks wait until an admin other than the one who asked approves them.'
                : 'Deployments wait until an admin other than the one who asked approves them; pushes never deploy, so auto-deploy must be off.'
            }
            error={errorFor('requiresApproval')}
          >
            {(props) => (
              <input
                {...props}
                type="checkbox"
                checked={values.requiresApproval}
                onChange={(e) => set({ requiresApproval: e.target.checked })}
              />
            )}
          </Field>
        </section>

        <section>
          <h2>Build</h2>
          <Field id="testsEnabled" label="Run the unit tests before deploying" error={errorFor('testsEnabled')}>
            {(props) => (
              <input {...props} type="checkbox" checked={values.testsEnabled} onChange={(e) => set({ testsEnabled: e.target.checked })} />
            )}
          </Field>
          <Field
            id="dependencyCache"
            label="Cache dependencies between deployments"
            hint="Restores the package manager's download cache before installing and saves it after a clean install (see Dependency cache below)."
            error={errorFor('dependencyCache')}
          >
            {(props) => (
              <input {...props} type="checkbox" checked={values.dependencyCache} onChange={(e) => set({ dependencyCache: e.target.checked })} />
            )}
          </Field>
          {COMMANDS.map(({ field, label, fallback }) => (
            <Field key={field} id={field} label={label} hint={`Empty ${inherited(field, fallback)}`} error={errorFor(field)}>
              {(props) => (
                <input
                  {...props}
                  className="mono"
                  placeholder={inherited(field, fallback)}
                  value={values[field]}
                  onChange={(e) => set({ [field]: e.target.value })}
                />
              )}
            </Field>
          ))}
          <Field id="timeoutMinutes" label="Timeout (minutes)" hint={`Empty inherits: ${app.settings.timeoutMinutes ?? 60}`} error={errorFor('timeoutMinutes')}>
            {(props) => (
              <input {...props} inputMode="numeric" value={values.timeoutMinutes} onChange={(e) => set({ timeoutMinutes: e.target.value })} />
            )}
          </Field>
        </section>

        <section>
          <h2>Environment variables</h2>
          {values.variables.length === 0 ? <p className="muted">None.</p> : null}
          {values.variables.map((row, i) => (
            <div className="row" key={row.key}>
              <Field id={`variable-${row.key}`} label={`Variable ${i + 1} name`} error={errorFor(`variable-${row.key}`)}>
                {(props) => (
                  <input
                    {...props}
                    className="mono"
                    value={row.name}
                    onChange={(e) => set({ variables: values.variables.map((v) => (v.key === row.key ? { ...v, name: e.target.value } : v)) })}
                  />
                )}
              </Field>
              <Field id={`variable-${row.key}-value`} label={`Variable ${i + 1} value`}>
                {(props) => (
                  <input
                    {...props}
                    className="mono"
                    value={row.value}
                    onChange={(e) => set({ variables: values.variables.map((v) => (v.key === row.key ? { ...v, value: e.target.value } : v)) })}
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button-quiet"
                aria-label={`Remove variable ${row.name || i + 1}`}
                onClick={() => set({ variables: values.variables.filter((v) => v.key !== row.key) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="button" onClick={() => set({ variables: [...values.variables, { key: rowKey(), name: '', value: '' }] })}>
            Add a variable
          </button>
        </section>

        <section>
          <h2>Secrets</h2>
          <p className="muted">Values are write-only: once saved they are never shown again, only replaced or removed.</p>
          {values.secrets.map((row, i) => (
            <div className={row.removed ? 'row removed' : 'row'} key={row.key}>
              {row.stored ? (
                <span className="secret-name">
                  <code>{row.name}</code> {row.removed ? '(removed on save)' : <span aria-label="value hidden">••••••••</span>}
                </span>
              ) : (
                <Field id={`secret-${row.key}`} label={`New secret ${i + 1} name`} error={errorFor(`secret-${row.key}`)}>
                  {(props) => (
                    <input
                      {...props}
                      className="mono"
                      value={row.name}
                      onChange={(e) => set({ secrets: values.secrets.map((s) => (s.key === row.key ? { ...s, name: e.target.value } : s)) })}
                    />
                  )}
                </Field>
              )}
              {!row.removed ? (
                <Field
                  id={`secret-${row.key}-value`}
                  label={row.stored ? `New value for ${row.name} (empty keeps it)` : `New secret ${i + 1} value`}
                  error={row.stored ? errorFor(`secret-${row.key}`) : undefined}
                >
                  {(props) => (
                    <input
                      {...props}
                      type="password"
                      autoComplete="off"
                      value={row.value}
                      onChange={(e) => set({ secrets: values.secrets.map((s) => (s.key === row.key ? { ...s, value: e.target.value } : s)) })}
                    />
                  )}
                </Field>
              ) : null}
              <button
                type="button"
                className="button button-quiet"
                aria-label={row.removed ? `Keep secret ${row.name}` : `Remove secret ${row.name || i + 1}`}
                onClick={() =>
                  set({
                    secrets: row.stored
                      ? values.secrets.map((s) => (s.key === row.key ? { ...s, removed: !s.removed, value: '' } : s))
                      : values.secrets.filter((s) => s.key !== row.key),
                  })
                }
              >
                {row.removed ? 'Keep' : 'Remove'}
              </button>
            </div>
          ))}
          <button
            type="button"
            className="button"
            onClick={() => set({ secrets: [...values.secrets, { key: rowKey(), name: '', value: '', stored: false, removed: false }] })}
          >
            Add a secret
          </button>
        </section>
      </fieldset>

      {Object.keys(errors).length > 0 ? (
        <p role="alert" className="error">
          Nothing was saved: correct the {Object.keys(errors).length === 1 ? 'field' : 'fields'} marked above.
        </p>
      ) : null}
      {save.error && !apiInput ? <ErrorMessage error={save.error} title="Not saved" /> : null}
      {saved && !save.isPending ? (
        <p role="status" className="notice">
          Saved. The next deployment of {env.name} uses these settings.
        </p>
      ) : null}
      <ActionButton type="submit" className="button button-primary" disabledReason={notAllowed} disabled={save.isPending}>
        {save.isPending ? 'Saving…' : 'Save settings'}
      </ActionButton>
    </form>
  );
}

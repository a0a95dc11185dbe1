import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { Link } from 'react-router';

import { tokensQuery } from '../../api/queries';
import type { CreatedToken } from '../../api/types';
import { useApi, useSession } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { formatTimestamp } from '../../utils/format';

/** Personal tokens for the CLI and scripts: they act with their owner's roles. */
export function TokensPage() {
  const api = useApi();
  const { login } = useSession();
  const queryClient = useQueryClient();
  const tokens = useQuery({ ...tokensQuery(api), enabled: Boolean(login) });
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: tokensQuery(api).queryKey });
  const create = useMutation({
    mutationFn: () => api.createToken(name.trim(), Number(days)),
    onSuccess: async (token) => {
      setCreated(token);
      setName('');
      await refresh();
    },
  });
  const revoke = useMutation({ mutationFn: (id: string) => api.revokeToken(id), onSuccess: refresh });

  function submit(event: SubmitEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <span aria-current="page">Tokens</span>
      </nav>
      <h1>Personal tokens</h1>
      {!login ? (
        <p>The admin token belongs to no one: sign in with GitHub to create personal tokens.</p>
      ) : (
        <>
          <p className="muted">A token acts with your roles until it expires or you revoke it. `trellis login` makes one for the CLI.</p>
          {created ? (
            <div role="status" className="notice">
              <p>
                <strong>{created.token.name}</strong>: copy it now, it is not shown again.
              </p>
              <code aria-label="New token">{created.secret}</code>
            </div>
          ) : null}
          <form onSubmit={submit} noValidate aria-label="New token">
            <Field id="token-name" label="Name" hint="Where it is used, e.g. “CI”.">
              {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field id="token-days" label="Expires in (days)" hint="1 to 366.">
              {(props) => <input {...props} inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />}
            </Field>
            <ErrorMessage error={create.error} title="The token could not be created" />
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              Create token
            </button>
          </form>
          <ErrorMessage error={tokens.error ?? revoke.error} />
          <ul aria-label="Your tokens">
            {(tokens.data ?? []).map((t) => (
              <li key={t.id}>
                <strong>{t.name}</strong> · expires {formatTimestamp(t.expiresAt)} · {t.lastUsedAt ? `last used ${formatTimestamp(t.lastUsedAt)}` : 'never used'}{' '}
                <button type="button" className="button button-quiet" onClick={() => revoke.mutate(t.id)}>
                  Revoke {t.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type SubmitEvent, useState } from 'react';
import { Link, useParams } from 'react-router';

import { appQuery, membersQuery } from '../../api/queries';
import type { Role } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { whyNotAdmin } from '../../utils/roles';

const ROLES: Role[] = ['viewer', 'deployer', 'admin'];

/** Who may do what on one app: roles from GitHub, and an admin's overrides. */
export function MembersPage() {
  const { app: name = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const app = useQuery(appQuery(api, name));
  const members = useQuery(membersQuery(api, name));
  const [login, setLogin] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersQuery(api, name).queryKey });
  const set = useMutation({ mutationFn: () => api.setMember(name, login.trim(), role), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (who: string) => api.removeMember(name, who), onSuccess: refresh });
  const notAdmin = whyNotAdmin(app.data?.yourRole);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    set.mutate();
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <Link to={`/apps/${name}`}>{name}</Link> / <span aria-current="page">Members</span>
      </nav>
      <h1>
        Members <span className="muted">· {name}</span>
      </h1>
      <p className="muted">A role follows the user&apos;s permission on the repository unless an admin sets it here.</p>
      <ErrorMessage error={members.error ?? set.error ?? remove.error} />
      <ul aria-label="Members">
        {(members.data ?? []).map((m) => (
          <li key={`${m.login}-${m.source}`}>
            <strong>{m.login}</strong> · {m.role} ({m.source === 'override' ? `set by ${m.grantedBy}` : 'from GitHub'})
            {m.source === 'override' ? (
              <>
                {' '}
                <ActionButton disabledReason={notAdmin} onClick={() => remove.mutate(m.login)}>
                  {`Remove ${m.login}'s override`}
                </ActionButton>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <form onSubmit={submit} noValidate aria-label="Set a role">
        <Field id="member-login" label="GitHub login">
          {(props) => <input {...props} value={login} onChange={(e) => setLogin(e.target.value)} />}
        </Field>
        <Field id="member-role" label="Role">
          {(props) => (
            <select {...props} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ActionButton type="submit" disabledReason={notAdmin ?? (login.trim() ? undefined : 'Give a GitHub login.')}>
          Set role
        </ActionButton>
      </form>
    </>
  );
}

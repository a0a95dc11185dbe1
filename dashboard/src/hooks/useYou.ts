import { useQuery } from '@tanstack/react-query';

import { meQuery } from '../api/queries';
import { useSession } from '../auth/SessionContext';

/** The API's name for the caller, as it writes it in `requestedBy`: the login of a user, or
 * `admin token`. A session knows its login; a token asks the API whose it is. */
export function useYou(): { name: string | undefined; pending: boolean } {
  const { api, login } = useSession();
  const me = useQuery({ ...meQuery(api), enabled: !login });
  if (login) return { name: login, pending: false };
  if (!me.data) return { name: undefined, pending: me.isPending };
  return { name: me.data.kind === 'admin-token' ? 'admin token' : (me.data.login ?? undefined), pending: false };
}

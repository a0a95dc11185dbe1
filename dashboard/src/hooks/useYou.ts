import { useQuery } from '@tanstack/react-query';

import { meQuery } from '../api/queries';
import { useSession } from '../auth/SessionContext';

export interface You {
  /** The API's name for the caller, as it writes it in `requestedBy`: a user's login, or
   * `admin token`. */
  name: string | undefined;
  adminToken: boolean;
  /** Not known yet (a token asks the API whose it is). */
  pending: boolean;
}

/** Who the caller is. A session knows its login; a token asks the API. */
export function useYou(): You {
  const { api, login } = useSession();
  const me = useQuery({ ...meQuery(api), enabled: !login });
  if (login) return { name: login, adminToken: false, pending: false };
  if (!me.data) return { name: undefined, adminToken: false, pending: me.isPending };
  const adminToken = me.data.kind === 'admin-token';
  return { name: adminToken ? 'admin token' : (me.data.login ?? undefined), adminToken, pending: false };
}

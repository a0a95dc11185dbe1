import { createContext, useContext } from 'react';

import type { TrellisApi } from '../api/client';

export interface Session {
  api: TrellisApi;
  /** The signed-in GitHub user; none with a token. */
  login?: string | undefined;
  signOut: (reason?: string) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a signed-in session');
  return session;
}

export function useApi(): TrellisApi {
  return useSession().api;
}

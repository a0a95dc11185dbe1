import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { BrowserRouter } from 'react-router';

import { TrellisApi } from './api/client';
import { ApiError } from './api/errors';
import { SessionContext } from './auth/SessionContext';
import { SignIn } from './auth/SignIn';
import { tokenStorage } from './auth/session';
import type { RuntimeConfig } from './config';
import { LiveProvider } from './live/LiveContext';
import { AppRoutes } from './routes';

/** Signs in, then gives the views an API client, a cache and the live connection. */
export function Root({ config }: { config: RuntimeConfig }) {
  const [token, setToken] = useState<string | null>(() => tokenStorage.read());
  const [notice, setNotice] = useState<string | undefined>();

  const signOut = useCallback((reason?: string) => {
    tokenStorage.clear();
    setNotice(reason);
    setToken(null);
  }, []);

  const session = useMemo(() => {
    if (!token) return undefined;
    const expired = (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        signOut('The server no longer accepts your token; sign in again.');
      }
    };
    const queryClient = new QueryClient({
      queryCache: new QueryCache({ onError: expired }),
      mutationCache: new MutationCache({ onError: expired }),
      defaultOptions: {
        queries: {
          retry: (failures, error) => !(error instanceof ApiError && error.status > 0 && error.status < 500) && failures < 2,
          refetchOnWindowFocus: true,
        },
      },
    });
    return { api: new TrellisApi(config.apiBase, token), signOut, queryClient };
  }, [token, config.apiBase, signOut]);

  if (!session || !token) {
    return (
      <SignIn
        apiBase={config.apiBase}
        notice={notice}
        onSignedIn={(t) => {
          tokenStorage.write(t);
          setNotice(undefined);
          setToken(t);
        }}
      />
    );
  }

  return (
    <QueryClientProvider client={session.queryClient}>
      <SessionContext.Provider value={session}>
        <LiveProvider url={config.websocketUrl} token={token}>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </LiveProvider>
      </SessionContext.Provider>
    </QueryClientProvider>
  );
}

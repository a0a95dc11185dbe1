import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { BrowserRouter } from 'react-router';

import { type Credential, TrellisApi } from './api/client';
import { ApiError } from './api/errors';
import { SessionContext } from './auth/SessionContext';
import { SignIn } from './auth/SignIn';
import { probeSession, tokenStorage } from './auth/session';
import type { RuntimeConfig } from './config';
import { LiveProvider } from './live/LiveContext';
import type { LiveAuth } from './live/LiveClient';
import { AppRoutes } from './routes';

/** A token opens the live socket itself; a session asks for a one-use ticket each time, as
 * its cookie does not reach a socket on another origin (API Gateway's WebSocket API). */
function liveAuth(credential: Credential, api: TrellisApi): LiveAuth {
  if (credential.kind === 'token') return credential.token;
  return () => api.liveTicket().then((t) => t.ticket);
}

/** Why a GitHub sign-in came back without a session (the server says it in the address). */
function signInErrorFromUrl(): string | undefined {
  const params = new URLSearchParams(window.location.search);
  const error = params.get('signInError');
  return error ? `GitHub sign-in: ${error}` : undefined;
}

/** Signs in (a GitHub session, or a token), then gives the views an API client, a cache and
 * the live connection. */
export function Root({ config }: { config: RuntimeConfig }) {
  const [credential, setCredential] = useState<Credential | null | 'probing'>(() => {
    const token = tokenStorage.read();
    return token ? { kind: 'token', token } : 'probing';
  });
  const [notice, setNotice] = useState<string | undefined>(signInErrorFromUrl);

  useEffect(() => {
    if (credential !== 'probing') return;
    let current = true;
    void probeSession(config.apiBase).then((session) => {
      if (current) setCredential(session ? { kind: 'session', ...session } : null);
    });
    return () => {
      current = false;
    };
  }, [credential, config.apiBase]);

  const signOut = useCallback(
    (reason?: string) => {
      if (credential && credential !== 'probing' && credential.kind === 'session') {
        // The server forgets the session; the page forgets it either way.
        void new TrellisApi(config.apiBase, credential).logout().catch(() => undefined);
      }
      tokenStorage.clear();
      setNotice(reason);
      setCredential(null);
    },
    [credential, config.apiBase],
  );

  const session = useMemo(() => {
    if (!credential || credential === 'probing') return undefined;
    const expired = (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        signOut(
          credential.kind === 'session'
            ? 'Your session has ended; sign in again.'
            : 'The server no longer accepts your token; sign in again.',
        );
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
    const login = credential.kind === 'session' ? credential.login : undefined;
    return { api: new TrellisApi(config.apiBase, credential), login, signOut, queryClient };
  }, [credential, config.apiBase, signOut]);

  if (credential === 'probing') return <p className="sign-in">Loading…</p>;
  if (!session || !credential) {
    return (
      <SignIn
        apiBase={config.apiBase}
        notice={notice}
        onSignedIn={(t) => {
          tokenStorage.write(t);
          setNotice(undefined);
          setCredential({ kind: 'token', token: t });
        }}
      />
    );
  }

  return (
    <QueryClientProvider client={session.queryClient}>
      <SessionContext.Provider value={session}>
        <LiveProvider url={config.websocketUrl} auth={liveAuth(credential, session.api)}>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </LiveProvider>
      </SessionContext.Provider>
    </QueryClientProvider>
  );
}

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';

import { TrellisApi } from '../api/client';
import { SessionContext } from '../auth/SessionContext';
import { LiveProvider } from '../live/LiveContext';
import { AppRoutes } from '../routes';
import { BASE, WS_URL } from './fixtures';

export const TOKEN = 'test-token';

/** The whole app at `path`, signed in (with the token, or as a GitHub user when `login` is
 * given), talking to MSW's handlers. */
export function renderAt(path: string, as: { login?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const session = { api: new TrellisApi(BASE, TOKEN), login: as.login, signOut: () => undefined };
  const user = userEvent.setup();
  const result = render(
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={session}>
        <LiveProvider url={WS_URL} auth={TOKEN}>
          <MemoryRouter initialEntries={[path]}>
            <AppRoutes />
          </MemoryRouter>
        </LiveProvider>
      </SessionContext.Provider>
    </QueryClientProvider>,
  );
  return { ...result, user, queryClient };
}

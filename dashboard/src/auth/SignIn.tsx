import { type SubmitEvent, useState } from 'react';

import { TrellisApi } from '../api/client';
import { ApiError, describeError } from '../api/errors';
import { githubSignInUrl } from './session';

interface Props {
  apiBase: string;
  notice?: string | undefined;
  onSignedIn: (token: string) => void;
}

/** Asks for the server's API token and checks it before keeping it. */
export function SignIn({ apiBase, notice, onSignedIn }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError('Enter the API token.');
      return;
    }
    setChecking(true);
    setError(undefined);
    try {
      await new TrellisApi(apiBase, candidate).listApps();
      onSignedIn(candidate);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? 'That token was not accepted by this Trellis server. `trellis serve` prints the token when it starts (it is also in the data directory, in admin-token).'
          : describeError(e),
      );
    } finally {
      setChecking(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Trellis</h1>
      {notice ? <p role="status">{notice}</p> : null}
      <p>
        <a className="button button-primary" href={githubSignInUrl(apiBase, window.location.pathname)}>
          Sign in with GitHub
        </a>
      </p>
      <p className="muted">Or, with the server&apos;s API token or a personal token:</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'token-error' : undefined}
        />
        {error ? (
          <p id="token-error" role="alert" className="error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

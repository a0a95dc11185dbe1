const STORAGE_KEY = 'trellis.token';

/** The token survives reloads (local storage of this origin only); signing out forgets it. */
export const tokenStorage = {
  read(): string | null {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  },
  write(token: string): void {
    window.localStorage.setItem(STORAGE_KEY, token);
  },
  clear(): void {
    window.localStorage.removeItem(STORAGE_KEY);
  },
};

/** The session of a GitHub sign-in, if this browser has one: the cookie is HttpOnly, so the
 * server says whose it is (and the CSRF token changes need). */
export async function probeSession(apiBase: string, fetchImpl: typeof fetch = fetch): Promise<{ login: string; csrfToken: string } | null> {
  try {
    const response = await fetchImpl(`${apiBase}/api/me`, { credentials: 'same-origin' });
    if (!response.ok) return null;
    const me = (await response.json()) as { kind?: string; login?: string; csrfToken?: string };
    return me.kind === 'user' && me.login && me.csrfToken ? { login: me.login, csrfToken: me.csrfToken } : null;
  } catch {
    return null;
  }
}

/** Where the browser goes to sign in with GitHub, coming back to `returnTo`. */
export function githubSignInUrl(apiBase: string, returnTo: string): string {
  return `${apiBase}/api/auth/github?return_to=${encodeURIComponent(returnTo)}`;
}

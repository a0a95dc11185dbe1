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

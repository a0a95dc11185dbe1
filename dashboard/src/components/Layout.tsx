import { Link, Outlet } from 'react-router';

import { useSession } from '../auth/SessionContext';
import { useConnectionState } from '../live/LiveContext';

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
} as const;

export function Layout() {
  const { signOut, login } = useSession();
  const connection = useConnectionState();
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          Trellis
        </Link>
        <span className={`connection connection-${connection}`} role="status" aria-label="Live updates">
          <span aria-hidden="true">●</span> {CONNECTION_TEXT[connection]}
        </span>
        <Link to="/settings/github">GitHub</Link>
        <Link to="/settings/tokens">Tokens</Link>
        <Link to="/audit">Audit log</Link>
        {login ? <span className="muted">{login}</span> : null}
        <button type="button" className="button button-quiet" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </>
  );
}

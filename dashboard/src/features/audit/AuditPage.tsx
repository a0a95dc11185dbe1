import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';

import type { AuditFilters } from '../../api/client';
import { ApiError } from '../../api/errors';
import { appsQuery, auditQuery } from '../../api/queries';
import { useApi } from '../../auth/SessionContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useYou } from '../../hooks/useYou';
import { formatTimestamp } from '../../utils/format';
import { whyNotAdmin } from '../../utils/roles';
import { AuditFilterForm } from './AuditFilterForm';

const FILTERS = ['app', 'actor', 'since', 'until'] as const;

// A symbol and a word for each outcome: colour is never the only signal.
const OUTCOME: Record<string, { symbol: string; tone: string }> = {
  succeeded: { symbol: '✓', tone: 'good' },
  refused: { symbol: '⊘', tone: 'busy' },
  failed: { symbol: '✗', tone: 'bad' },
};

/** Who did what, when, and what came of it: the audit log, newest first, filtered through
 * the address (`/audit?app=shop&actor=ada`), so a filtered view can be linked to. */
export function AuditPage() {
  const api = useApi();
  const you = useYou();
  const [params, setParams] = useSearchParams();
  const filters: AuditFilters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? undefined]));
  // The API gives a user one app's entries at a time (of an app they administer); only the
  // admin token reads the whole log. Without an app, a user is asked for one, not refused.
  const needsApp = !filters.app && !you.adminToken;
  const audit = useInfiniteQuery({ ...auditQuery(api, filters), enabled: !needsApp && !you.pending });
  const apps = useQuery(appsQuery(api));
  const readable = (apps.data ?? []).filter((a) => you.adminToken || !whyNotAdmin(a.yourRole)).map((a) => a.name);
  const entries = audit.data?.pages.flat() ?? [];
  const refused = audit.error instanceof ApiError && audit.error.status === 403 ? audit.error : undefined;

  function apply(next: AuditFilters) {
    const search = new URLSearchParams();
    for (const name of FILTERS) {
      const value = next[name];
      if (value) search.set(name, value);
    }
    setParams(search);
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Apps</Link> / <span aria-current="page">Audit log</span>
      </nav>
      <h1>Audit log</h1>
      <p className="muted">
        Every change asked of Trellis — allowed, refused or failed — with who asked and the request id to look for in
        the server&apos;s log. An app&apos;s admins read its entries.
      </p>
      <AuditFilterForm key={params.toString()} filters={filters} apps={readable} allApps={you.adminToken} onApply={apply} />

      {needsApp && !you.pending ? <p role="status">Choose an app you administer to read its entries.</p> : null}
      {refused ? (
        <div role="alert" className="error">
          <strong>Not allowed: </strong>
          {refused.message}
          <p className="muted">Only an app&apos;s admins read its audit log; ask one of them, or choose another app.</p>
        </div>
      ) : (
        <ErrorMessage error={audit.error} title="The audit log could not be read" />
      )}
      {audit.isLoading ? <p>Loading entries…</p> : null}
      {audit.data && entries.length === 0 ? <p>No entries match these filters.</p> : null}

      {entries.length > 0 ? (
        <table className="history audit">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              {['Time', 'Actor', 'Action', 'App', 'Target', 'Outcome', 'Status', 'Request id'].map((heading) => (
                <th key={heading} scope="col">
                  {heading}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => {
              const look = OUTCOME[entry.outcome] ?? { symbol: '?', tone: 'muted' };
              return (
                <tr key={entry.id} data-entry={entry.id}>
                  <td>
                    <time dateTime={entry.at}>{formatTimestamp(entry.at)}</time>
                  </td>
                  <td>{entry.actor}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.app ? <Link to={`/apps/${entry.app}`}>{entry.app}</Link> : '—'}</td>
                  <td className="mono">{entry.target}</td>
                  <td>
                    <span className={`badge badge-${look.tone}`}>
                      <span aria-hidden="true">{look.symbol}</span> {entry.outcome}
                    </span>
                    {entry.detail ? <span className="audit-detail">{entry.detail}</span> : null}
                  </td>
                  <td>{entry.status}</td>
                  <td>
                    <code>{entry.requestId}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {entries.length > 0 ? (
        <p className="paging muted">
          {entries.length} {entries.length === 1 ? 'entry' : 'entries'}, newest first.{' '}
          {audit.hasNextPage ? (
            <button
              type="button"
              className="button"
              disabled={audit.isFetchingNextPage}
              onClick={() => void audit.fetchNextPage()}
            >
              {audit.isFetchingNextPage ? 'Loading…' : 'Show older entries'}
            </button>
          ) : (
            'That is all of them.'
          )}
        </p>
      ) : null}
    </>
  );
}

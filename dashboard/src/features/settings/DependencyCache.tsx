import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';

import { cacheQuery } from '../../api/queries';
import type { App, ClearedCache, Environment } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNow } from '../../hooks/useNow';
import { formatMegabytes, formatRelative, formatTimestamp } from '../../utils/format';
import { whyNotYourRole } from '../../utils/roles';

const AFTER_CLEARING = 'the next deployment installs from scratch and saves a fresh cache';

const archives = (n: number) => `${n} ${n === 1 ? 'archive' : 'archives'}`;

/** What an environment's dependency cache holds, and clearing it: anyone who may deploy there
 * may (it changes no setting, only makes the next install a clean one). */
export function DependencyCache({ app, env }: { app: App; env: Environment }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const headingId = useId();
  const now = useNow();
  const query = cacheQuery(api, app.name, env.name);
  const cache = useQuery(query);
  const [confirming, setConfirming] = useState(false);
  const [cleared, setCleared] = useState<ClearedCache>();

  const clear = useMutation({
    mutationFn: () => api.clearCache(app.name, env.name),
    onSuccess: async (result) => {
      setCleared(result);
      await queryClient.invalidateQueries({ queryKey: query.queryKey });
    },
  });

  const entries = cache.data?.entries ?? [];
  const disabledReason =
    whyNotYourRole(app.yourRole, 'clearCache', env) ??
    (cache.data && entries.length === 0 ? 'Nothing is stored to clear.' : undefined);

  return (
    <section className="dependency-cache" aria-labelledby={headingId}>
      <h2 id={headingId}>Dependency cache</h2>
      <p className="muted">
        {env.dependencyCache
          ? "Deployments restore the package manager's download cache before installing and save it after a clean install; a changed lockfile starts a new one."
          : 'Off: deployments install from scratch and save nothing. What is stored stays until it is cleared.'}
      </p>
      {cache.isPending ? <p>Loading the cache…</p> : null}
      <ErrorMessage error={cache.error} title="The dependency cache could not be read" />
      {cache.data && entries.length === 0 ? <p>Nothing is stored.</p> : null}
      {entries.length > 0 ? (
        <table className="history">
          <caption className="visually-hidden">Dependency archives stored for {env.name}</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Size</th>
              <th scope="col">Last used</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, i) => (
              <tr key={entry.key ?? `archive-${i}`}>
                <td>{entry.key ? <code>{entry.key}</code> : <span className="muted">key unknown</span>}</td>
                <td>{formatMegabytes(entry.bytes)}</td>
                <td>
                  <time dateTime={entry.usedAt} title={formatTimestamp(entry.usedAt)}>
                    {formatRelative(entry.usedAt, now)}
                  </time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cache.data && entries.length > 0 ? (
        <p className="muted">
          {archives(entries.length)}, {formatMegabytes(cache.data.totalBytes)} in all.
        </p>
      ) : null}
      <div className="actions">
        <ActionButton
          className="button button-danger"
          disabledReason={disabledReason}
          disabled={clear.isPending}
          onClick={() => {
            clear.reset();
            setCleared(undefined);
            setConfirming(true);
          }}
        >
          {clear.isPending ? 'Clearing…' : 'Clear cache'}
        </ActionButton>
      </div>
      {cleared ? (
        <p role="status" className="notice">
          {cleared.archives === 0
            ? 'Nothing was stored: there was nothing to clear.'
            : `Cleared ${archives(cleared.archives)} (${formatMegabytes(cleared.bytes)}): ${AFTER_CLEARING}.`}
        </p>
      ) : null}
      <ErrorMessage error={clear.error} title="Not cleared" />
      {confirming ? (
        <ConfirmDialog
          title={`Clear the dependency cache of ${env.name}?`}
          confirmLabel="Clear cache"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            clear.mutate();
          }}
        >
          <p>
            Trellis deletes what is stored for {env.name}
            {cache.data ? ` (${archives(entries.length)}, ${formatMegabytes(cache.data.totalBytes)})` : ''}. No setting
            changes: {AFTER_CLEARING}.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

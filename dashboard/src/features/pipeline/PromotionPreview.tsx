import { useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { promotionPreviewQuery } from '../../api/queries';
import type { App, Commit, ConfigChange, Environment, PromotionPreview as Preview } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { CommitSummary } from '../../components/CommitSummary';
import { ErrorMessage } from '../../components/ErrorMessage';
import { firstLine, shortSha } from '../../utils/format';

interface Props {
  app: App;
  from: Environment;
  to: Environment;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What promoting `from` into `to` would ship, for the confirmation to show. It informs the
 * decision and never holds it up: until it is read, the column's own knowledge stands in. */
export function PromotionPreview({ app, from, to }: Props) {
  const api = useApi();
  const preview = useInfiniteQuery(promotionPreviewQuery(api, app.name, from.name));
  const pages = preview.data?.pages ?? [];
  const first = pages[0];
  // The preview is the server's word, read just now: it wins over what the column knew.
  const candidate = first?.candidate ?? from.currentCommit;

  return (
    <div className="promotion-preview">
      <p>
        <strong>{first?.from ?? from.name}</strong> → <strong>{first?.to ?? to.name}</strong>:{' '}
        {candidate ? (
          <>
            <code title={candidate.sha}>{shortSha(candidate.sha)}</code> {firstLine(candidate.message)}
          </>
        ) : (
          'its current commit'
        )}
      </p>
      {preview.isPending ? (
        <p role="status" className="muted">
          Reading what this promotion ships…
        </p>
      ) : null}
      <ErrorMessage
        error={preview.error}
        title={preview.isFetchNextPageError ? 'More commits could not be read' : 'What it ships could not be read'}
      />
      {first ? (
        <Shipped
          preview={first}
          commits={pages.flatMap((p) => p.commits)}
          app={app}
          more={
            preview.hasNextPage ? (
              <button
                type="button"
                className="button button-quiet"
                disabled={preview.isFetchingNextPage}
                onClick={() => void preview.fetchNextPage()}
              >
                {preview.isFetchingNextPage ? 'Reading more…' : 'Show more'}
              </button>
            ) : null
          }
        />
      ) : null}
    </div>
  );
}

interface ShippedProps {
  preview: Preview;
  commits: Commit[];
  app: App;
  /** The button that reads the next page, when there is one. */
  more: ReactNode;
}

function Shipped({ preview, commits, app, more }: ShippedProps) {
  const { to, current, candidate } = preview;
  return (
    <>
      {!current ? (
        <p>{to} has nothing deployed yet.</p>
      ) : current.sha === candidate.sha ? (
        <p>{to} already runs this commit.</p>
      ) : preview.commitsUnavailable ? (
        <p role="note" className="muted">
          The commits cannot be listed: {preview.commitsUnavailable}
        </p>
      ) : (
        <>
          <p>{count(preview.total, 'commit', 'commits')} to ship.</p>
          {preview.behind > 0 ? (
            <p className="warning">
              {preview.behind === 1
                ? `1 commit running in ${to} is not in this one and would go away.`
                : `${preview.behind} commits running in ${to} are not in this one and would go away.`}
            </p>
          ) : null}
        </>
      )}
      {commits.length > 0 ? (
        <>
          <ul className="preview-commits" aria-label="Commits to ship">
            {commits.map((commit) => (
              <li key={commit.sha}>
                <CommitSummary commit={commit} repository={app.repository} />
              </li>
            ))}
          </ul>
          {more ? (
            <p className="muted preview-more">
              {commits.length} of {preview.total} shown · {more}
            </p>
          ) : null}
        </>
      ) : null}
      {current ? <Settings to={to} changes={preview.configChanges} /> : null}
    </>
  );
}

/** Settings ship with the commit: a changed variable is a change even when the code is not. */
function Settings({ to, changes }: { to: string; changes: ConfigChange[] }) {
  if (changes.length === 0) return <p className="muted">Settings of {to} unchanged since its deployment.</p>;
  return (
    <p>
      Settings of {to} changed since its deployment:{' '}
      {changes.map((c, i) => (
        <span key={c.setting}>
          {i > 0 ? ', ' : null}
          <code>{c.setting}</code> ({c.change})
        </span>
      ))}
      .
    </p>
  );
}

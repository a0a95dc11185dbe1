import type { CacheReport as Report } from '../../api/types';
import { formatMegabytes, formatSeconds } from '../../utils/format';

const size = (bytes: number | null | undefined) => (bytes == null ? '' : ` ${formatMegabytes(bytes)}`);
const took = (ms: number | null | undefined) => (ms == null ? '' : ` in ${formatSeconds(ms)}`);

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
/** The runner's note starts by saying what the status already says. */
const UNUSABLE_PREFIX = 'the saved cache was unusable: ';
const why = (note: string) => (note.startsWith(UNUSABLE_PREFIX) ? note.slice(UNUSABLE_PREFIX.length) : note);

/** What the dependency cache did, in a sentence. */
export function cacheSentence(report: Report): string {
  // Only a successful save reports a size and a time (a failed one says why in the note).
  const saved = report.saveMs != null;
  switch (report.status) {
    case 'hit':
      return `Cache hit —${size(report.bytes)} restored${took(report.restoreMs)}`;
    case 'miss':
      return saved
        ? `Cache miss — installed from scratch, saved${size(report.bytes)}${took(report.saveMs)}`
        : `Cache miss — installed from scratch; ${report.note ?? 'nothing was saved'}`;
    case 'unusable':
      return `Cache unusable — ${report.note ? why(report.note) : 'the stored cache could not be used'}; installed from scratch${
        saved ? `, saved a fresh${size(report.bytes)}${took(report.saveMs)}` : ''
      }`;
    case 'off':
      return 'Cache off for this environment';
    case 'none':
      return report.note ? capitalized(report.note) : 'Nothing to cache';
  }
}

/** The deployment's dependency cache line, with the key it used. */
export function CacheReport({ report }: { report: Report }) {
  return (
    <section className="cache-report" aria-label="Dependency cache">
      <p>
        <strong>Dependency cache:</strong>{' '}
        {cacheSentence(report)}
        {report.key ? (
          <>
            {' '}
            <span className="visually-hidden">key </span>
            <code className="muted">{report.key}</code>
          </>
        ) : null}
      </p>
    </section>
  );
}

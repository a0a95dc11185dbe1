import { useId } from 'react';

import type { Feedback } from '../../api/types';
import { useNow } from '../../hooks/useNow';
import { formatUntil } from '../../utils/format';

/** Something is left to tell GitHub and Trellis will try it (the server's own rule; it gives
 * `nextAttemptAt` exactly then). */
export function feedbackPending(f: Feedback): boolean {
  return !f.gaveUp && f.delivered !== f.desired;
}

function targetLabel(target: string, environment: string): string {
  if (target === 'github-deployment') return 'GitHub deployment';
  if (target === 'github-status') return `Commit status trellis/${environment}`;
  // A target this dashboard does not know yet is still worth showing, by its own name.
  return target;
}

/** GitHub's state words (`in_progress`) as people write them. */
function stateLabel(state: string): string {
  return state.replaceAll('_', ' ');
}

function attempts(n: number): string {
  return `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
}

/** How the deployment was reported on GitHub: one line per thing GitHub shows of it. */
export function GithubFeedback({ feedback, environment }: { feedback: readonly Feedback[]; environment: string }) {
  const titleId = useId();
  // Often enough that "next try in 5 s" does not linger long after it was tried.
  const now = useNow(5_000);
  return (
    <section className="github-feedback" aria-labelledby={titleId}>
      <h2 id={titleId}>On GitHub</h2>
      <ul aria-labelledby={titleId}>
        {feedback.map((f) => (
          <li key={f.target}>
            <strong>{targetLabel(f.target, environment)}</strong>: <FeedbackState feedback={f} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function FeedbackState({ feedback: f, now }: { feedback: Feedback; now: number }) {
  const answered = f.lastError ? `GitHub answered: ${f.lastError}` : undefined;
  if (f.delivered === f.desired) {
    return (
      <span className="feedback-settled">
        <span aria-hidden="true">✓</span> shows {stateLabel(f.desired)}
      </span>
    );
  }
  if (f.gaveUp) {
    return (
      <>
        <span className="warning">
          <span aria-hidden="true">⚠</span> Trellis stopped trying after {attempts(f.attempts)}; it tries again at the
          deployment&apos;s next change
        </span>
        {answered ? <span className="feedback-error">{answered}</span> : null}
      </>
    );
  }
  return (
    <>
      <span>
        <span aria-hidden="true">◐</span> updating: {f.delivered ? stateLabel(f.delivered) : 'nothing yet'} →{' '}
        {stateLabel(f.desired)}
        {f.nextAttemptAt ? `, next try ${formatUntil(f.nextAttemptAt, now)}` : ''}
      </span>
      {answered ? (
        <span className="feedback-error warning">
          <span aria-hidden="true">⚠</span> {answered} ({attempts(f.attempts)} so far)
        </span>
      ) : null}
    </>
  );
}

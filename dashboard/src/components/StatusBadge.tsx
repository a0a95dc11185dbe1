import type { DeploymentStatus, EnvironmentState } from '../api/types';

type Status = DeploymentStatus | EnvironmentState;

// A symbol and a word for each: colour is never the only signal.
const LOOK: Record<Status, { symbol: string; tone: string; label: string }> = {
  empty: { symbol: '○', tone: 'muted', label: 'empty' },
  deploying: { symbol: '◐', tone: 'busy', label: 'deploying' },
  deployed: { symbol: '✓', tone: 'good', label: 'deployed' },
  failed: { symbol: '✗', tone: 'bad', label: 'failed' },
  removing: { symbol: '◐', tone: 'busy', label: 'removing' },
  removed: { symbol: '⊘', tone: 'muted', label: 'removed' },
  awaiting_approval: { symbol: '⏸', tone: 'busy', label: 'awaiting approval' },
  queued: { symbol: '…', tone: 'busy', label: 'queued' },
  running: { symbol: '◐', tone: 'busy', label: 'running' },
  succeeded: { symbol: '✓', tone: 'good', label: 'succeeded' },
  cancelled: { symbol: '⊘', tone: 'muted', label: 'cancelled' },
};

export function StatusBadge({ status }: { status: Status }) {
  const look = LOOK[status];
  return (
    <span className={`badge badge-${look.tone}`} data-status={status}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}

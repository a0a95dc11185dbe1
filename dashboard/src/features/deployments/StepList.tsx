import type { Step } from './logBuffer';

const SYMBOL = { running: '◐', succeeded: '✓', failed: '✗', skipped: '–' } as const;

/** The runner's steps (clone, install, test, deploy…) with their outcome and duration. */
export function StepList({ steps, onSelect }: { steps: readonly Step[]; version: number; onSelect: (index: number) => void }) {
  if (steps.length === 0) return null;
  return (
    <ol className="steps" aria-label="Steps">
      {steps.map((step) => (
        <li key={`${step.name}-${step.index}`} className={`step step-${step.state}`}>
          <button type="button" className="button button-quiet" onClick={() => onSelect(step.index)} title={step.detail}>
            <span aria-hidden="true">{SYMBOL[step.state]}</span> {step.name}{' '}
            <span className="step-state">{step.state}</span>
            {step.took ? <span className="step-took"> {step.took}</span> : null}
          </button>
        </li>
      ))}
    </ol>
  );
}

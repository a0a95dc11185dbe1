import type { LogLine } from '../../api/types';

export type StepState = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface Step {
  name: string;
  state: StepState;
  /** The step's command, as the runner showed it (masked). */
  detail: string;
  /** Index of the step's first line in the log. */
  index: number;
  startedAt: number;
  /** As the runner measured it (`12.3s`), once the step ended. */
  took?: string;
  /** The runner ran the step as several commands (clone: init, fetch, checkout). */
  parts: number;
}

// The runner's markers (build-runner/src/step.rs): `==> name: detail` starts a step,
// `<== name succeeded in 1.2s` / `failed in …` / `timed out after …` / `cancelled after …` ends it.
const START = /^==> ([\w-]+): (.*)$/;
const END = /^<== ([\w-]+) (succeeded in|failed in|timed out after|cancelled after|could not start)\s*([\d.]+s)?/;

/** A deployment's log as it arrives: lines in seq order with no duplicate and no gap. Lines
 * that arrive ahead of a gap wait until the gap is filled (from `GET …/logs?after=`). */
export class LogBuffer {
  readonly lines: LogLine[] = [];
  readonly steps: Step[] = [];
  private readonly waiting = new Map<number, LogLine>();

  get lastSeq(): number {
    return this.lines.at(-1)?.seq ?? 0;
  }

  /** True while lines are known to be missing before ones already received. */
  get hasGap(): boolean {
    return this.waiting.size > 0;
  }

  /** Adds lines in any order, from any source; returns whether the log grew. */
  add(lines: readonly LogLine[]): boolean {
    const before = this.lines.length;
    for (const line of lines) {
      if (line.seq > this.lastSeq) this.waiting.set(line.seq, line);
    }
    for (let next = this.waiting.get(this.lastSeq + 1); next; next = this.waiting.get(this.lastSeq + 1)) {
      this.waiting.delete(next.seq);
      this.track(next, this.lines.length);
      this.lines.push(next);
    }
    return this.lines.length > before;
  }

  private track(line: LogLine, index: number): void {
    const start = START.exec(line.text);
    if (start?.[1] && start[1] !== 'deployment') {
      const last = this.steps.at(-1);
      if (last?.name === start[1] && last.state === 'succeeded') {
        // One step, several commands: shown once, from its first command to its last.
        last.state = 'running';
        last.parts += 1;
        return;
      }
      const skipped = start[2]?.startsWith('skipped') ?? false;
      this.steps.push({
        name: start[1],
        state: skipped ? 'skipped' : 'running',
        detail: start[2] ?? '',
        index,
        startedAt: line.timestamp,
        parts: 1,
      });
      return;
    }
    const end = END.exec(line.text);
    if (end?.[1]) {
      const step = this.steps.findLast((s) => s.name === end[1] && s.state === 'running');
      if (!step) return;
      step.state = end[2] === 'succeeded in' ? 'succeeded' : 'failed';
      const measured = `${((line.timestamp - step.startedAt) / 1000).toFixed(1)}s`;
      step.took = step.parts === 1 ? (end[3] ?? measured) : measured;
    }
  }
}

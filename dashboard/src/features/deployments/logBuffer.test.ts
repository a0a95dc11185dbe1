import { describe, expect, it } from 'vitest';

import { LogBuffer } from './logBuffer';

const line = (seq: number, text = `line ${seq}`) => ({ seq, timestamp: seq * 1000, text });

describe('LogBuffer', () => {
  it('keeps lines in seq order, once each, whatever order they come in', () => {
    const buffer = new LogBuffer();
    expect(buffer.add([line(1), line(2)])).toBe(true);
    expect(buffer.add([line(2), line(1)])).toBe(false);
    expect(buffer.add([line(4)])).toBe(false);
    expect(buffer.hasGap).toBe(true);
    expect(buffer.lastSeq).toBe(2);
    expect(buffer.add([line(3), line(4), line(5)])).toBe(true);
    expect(buffer.hasGap).toBe(false);
    expect(buffer.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("follows the runner's steps and their outcome", () => {
    const buffer = new LogBuffer();
    buffer.add([
      line(1, '==> clone: git init /tmp/src'),
      line(2, '<== clone succeeded in 0.1s'),
      line(3, '==> clone: git fetch origin abc'),
      line(4, '<== clone succeeded in 0.8s'),
      line(5, '==> install: skipped (no package.json)'),
      line(6, '==> test: npm test'),
      line(7, '<== test timed out after 600.0s'),
      line(8, '==> deployment failed: test timed out'),
    ]);
    expect(buffer.steps.map(({ name, state, took, index }) => ({ name, state, took, index }))).toEqual([
      // Two commands of one step, timed from the first's start to the last's end.
      { name: 'clone', state: 'succeeded', took: '3.0s', index: 0 },
      { name: 'install', state: 'skipped', took: undefined, index: 4 },
      { name: 'test', state: 'failed', took: '600.0s', index: 5 },
    ]);
  });
});

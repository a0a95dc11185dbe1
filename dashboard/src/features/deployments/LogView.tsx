import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { LogLine } from '../../api/types';
import { AnsiText } from './AnsiText';

const LINE_HEIGHT = 20;

interface Props {
  lines: readonly LogLine[];
  /** Changes when lines were added (the array itself grows in place). */
  version: number;
  /** A line to bring into view (a step's start). */
  jumpTo?: { index: number; nonce: number } | undefined;
}

/** The log as a virtualised list: only the lines in view are in the page, so a log of
 * 100 000 lines scrolls as smoothly as one of ten. It follows the tail until the reader
 * scrolls up, and offers the way back. */
export function LogView({ lines, version, jumpTo }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read in render, by design
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 30,
    initialRect: { width: 800, height: 600 },
  });

  useLayoutEffect(() => {
    if (following && lines.length > 0) virtualizer.scrollToEnd();
  }, [version, following, lines.length, virtualizer]);

  useEffect(() => {
    if (!jumpTo) return;
    setFollowing(false);
    virtualizer.scrollToIndex(jumpTo.index, { align: 'start' });
  }, [jumpTo, virtualizer]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT * 2;
    setFollowing(atEnd);
  }

  return (
    <div className="log">
      <div
        ref={scroller}
        className="log-scroller"
        onScroll={onScroll}
        role="log"
        aria-label="Build log"
        aria-live="off"
        tabIndex={0}
        data-lines={lines.length}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = lines[item.index];
            if (!line) return null;
            return (
              <div
                key={line.seq}
                className="log-line"
                data-seq={line.seq}
                style={{ position: 'absolute', top: 0, transform: `translateY(${item.start}px)`, height: LINE_HEIGHT }}
              >
                <span className="log-seq" aria-hidden="true">
                  {line.seq}
                </span>
                <span className="log-text">
                  <AnsiText text={line.text} />
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {!following && lines.length > 0 ? (
        <button
          type="button"
          className="button log-follow"
          onClick={() => {
            setFollowing(true);
            virtualizer.scrollToEnd();
          }}
        >
          Follow the end of the log ↓
        </button>
      ) : null}
    </div>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';

import { describeError } from '../../api/errors';
import { type DeploymentStatus, isTerminal } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { useLiveClient, useLiveTopic } from '../../live/LiveContext';
import { LogBuffer } from './logBuffer';

const PAGE = 5000;

export interface DeploymentLogs {
  buffer: LogBuffer;
  /** Changes whenever lines or steps were added. */
  version: number;
  /** Every line is here and no more will come. */
  complete: boolean;
  error: string | undefined;
}

/** A deployment's log: what is stored, then what the runner prints, live. Gaps (a dropped
 * connection, lines printed before the subscription took) are filled from the API. */
export function useDeploymentLogs(id: string, status: DeploymentStatus | undefined): DeploymentLogs {
  const api = useApi();
  const live = useLiveClient();
  const [buffer, setBuffer] = useState(() => new LogBuffer());
  const [version, setVersion] = useState(0);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const filling = useRef<Promise<void> | undefined>(undefined);
  const again = useRef(false);

  // A new deployment starts from an empty log.
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setBuffer(new LogBuffer());
    setComplete(false);
    setError(undefined);
  }

  useLiveTopic({ kind: 'deployment', id });

  const fill = useCallback(() => {
    if (filling.current) {
      again.current = true;
      return;
    }
    // A fill asked for while one runs (a new gap, a reconnect) runs once more after it.
    const askedAgain = () => {
      const asked = again.current;
      again.current = false;
      return asked;
    };
    const run = async () => {
      do {
        for (;;) {
          const page = await api.logs(id, buffer.lastSeq, PAGE);
          if (buffer.add(page.lines)) setVersion((v) => v + 1);
          if (page.complete && !buffer.hasGap) setComplete(true);
          if (page.lines.length < PAGE) break;
        }
      } while (askedAgain());
    };
    filling.current = run()
      .then(() => setError(undefined))
      .catch((e: unknown) => setError(describeError(e)))
      .finally(() => {
        filling.current = undefined;
      });
  }, [api, id, buffer]);

  useEffect(() => {
    fill();
    const offMessage = live.onMessage((message) => {
      if (message.type === 'log' && message.deploymentId === id) {
        if (buffer.add(message.lines)) setVersion((v) => v + 1);
        if (buffer.hasGap) fill();
      } else if (message.type === 'subscribed' && message.topics.some((t) => t.kind === 'deployment' && t.id === id)) {
        // Lines printed between the first read and the subscription taking effect.
        fill();
      }
    });
    const offState = live.onState((state, reconnected) => {
      if (state === 'open' && reconnected) fill();
    });
    return () => {
      offMessage();
      offState();
    };
  }, [live, id, buffer, fill]);

  // The end of a deployment: read to the last line.
  const ended = status !== undefined && isTerminal(status);
  useEffect(() => {
    if (ended) fill();
  }, [ended, fill]);

  return { buffer, version, complete, error };
}

import { useEffect } from 'react';

import { useLiveClient } from './LiveContext';
import type { Topic } from './protocol';

/** Subscribes to several topics while mounted; the list may change between renders. */
export function useLiveTopics(topics: Topic[]): void {
  const client = useLiveClient();
  const key = topics.map((t) => `${t.kind}:${t.id}`).sort().join('|');
  useEffect(() => {
    if (!key) return;
    const offs = key.split('|').map((k) => {
      const [kind, ...rest] = k.split(':');
      return client.subscribe({ kind: kind as Topic['kind'], id: rest.join(':') });
    });
    return () => {
      for (const off of offs) off();
    };
  }, [client, key]);
}

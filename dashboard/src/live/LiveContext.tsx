import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';

import { refreshAfterDeployment } from '../api/queries';
import { type ConnectionState, type LiveAuth, LiveClient } from './LiveClient';
import type { ServerMessage, Topic } from './protocol';

const LiveContext = createContext<LiveClient | undefined>(undefined);

/** Opens the shared live connection and keeps cached API data current with what it pushes:
 * a deployment's new status refreshes its app, its environment's history and itself. */
export function LiveProvider({ url, auth, children }: { url: string; auth?: LiveAuth; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [client] = useState(() => new LiveClient(url, auth));

  useEffect(() => {
    client.start();
    const offMessage = client.onMessage((message) => {
      if (message.type !== 'deployment') return;
      refreshAfterDeployment(queryClient, message.deployment);
    });
    // Whatever changed while the connection was down is fetched again.
    const offState = client.onState((state, reconnected) => {
      if (state === 'open' && reconnected) void queryClient.invalidateQueries();
    });
    return () => {
      offMessage();
      offState();
      client.stop();
    };
  }, [client, queryClient]);

  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

export function useLiveClient(): LiveClient {
  const client = useContext(LiveContext);
  if (!client) throw new Error('useLiveClient needs a <LiveProvider>');
  return client;
}

/** Subscribes to a topic while the component is mounted. */
export function useLiveTopic(topic: Topic | undefined): void {
  const client = useLiveClient();
  const kind = topic?.kind;
  const id = topic?.id;
  useEffect(() => {
    if (!kind || !id) return;
    return client.subscribe({ kind, id });
  }, [client, kind, id]);
}

export function useLiveMessages(listener: (message: ServerMessage) => void): void {
  const client = useLiveClient();
  useEffect(() => client.onMessage(listener), [client, listener]);
}

export function useConnectionState(): ConnectionState {
  const client = useLiveClient();
  return useSyncExternalStore(
    (notify) => client.onState(() => notify()),
    () => client.state,
  );
}

import type { Deployment, LogLine } from '../api/types';

/** What the server pushes over the live WebSocket (`functions/http/src/live.rs`). */
export type ServerMessage =
  | { type: 'log'; deploymentId: string; lines: LogLine[] }
  | { type: 'deployment'; deployment: Deployment }
  | { type: 'subscribed'; topics: Topic[] }
  | { type: 'unsubscribed'; topics: Topic[] }
  | { type: 'error'; message: string }
  | { type: 'pong' };

export interface Topic {
  kind: 'deployment' | 'app';
  id: string;
}

export function topicKey(topic: Topic): string {
  return `${topic.kind}:${topic.id}`;
}

export function subscribeMessage(topic: Topic, action: 'subscribe' | 'unsubscribe' = 'subscribe'): string {
  return JSON.stringify(
    topic.kind === 'app' ? { action, app: topic.id } : { action, deploymentId: topic.id },
  );
}

export function parseServerMessage(text: string): ServerMessage | undefined {
  try {
    const message = JSON.parse(text) as { type?: unknown };
    return typeof message.type === 'string' ? (message as ServerMessage) : undefined;
  } catch {
    return undefined;
  }
}

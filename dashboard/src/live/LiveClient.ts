import { type ServerMessage, type Topic, parseServerMessage, subscribeMessage, topicKey } from './protocol';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

type MessageListener = (message: ServerMessage) => void;
type StateListener = (state: ConnectionState, reconnected: boolean) => void;

/** Browsers' `WebSocket`, or a stand-in in tests. */
export type SocketFactory = (url: string) => WebSocket;

/** How the socket says who is listening: a token (`?token=`), or — for a signed-in browser,
 * whose session cookie does not reach a socket on another origin — a one-use ticket asked
 * for before each connection (`?ticket=`). Neither: the session cookie (same origin only). */
export type LiveAuth = string | (() => Promise<string>) | undefined;

const MAX_BACKOFF_MS = 10_000;
// API Gateway drops a WebSocket after 10 idle minutes; a ping well inside that keeps it.
const KEEPALIVE_MS = 5 * 60_000;

/** The one live connection the views share: counts subscriptions per topic, re-subscribes
 * everything after a reconnect and tells listeners it reconnected, so each view can fetch
 * what it missed while the connection was down. */
export class LiveClient {
  private socket: WebSocket | undefined;
  private readonly topics = new Map<string, { topic: Topic; count: number }>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly stateListeners = new Set<StateListener>();
  private attempt = 0;
  private everOpened = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private keepalive: ReturnType<typeof setInterval> | undefined;
  state: ConnectionState = 'connecting';

  constructor(
    private readonly url: string,
    private readonly auth: LiveAuth,
    private readonly createSocket: SocketFactory = (u) => new WebSocket(u),
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.keepalive);
    this.socket?.close();
    this.socket = undefined;
    this.setState('closed', false);
  }

  /** Subscribes while the returned function is not called. */
  subscribe(topic: Topic): () => void {
    const key = topicKey(topic);
    const entry = this.topics.get(key);
    if (entry) {
      entry.count += 1;
    } else {
      this.topics.set(key, { topic, count: 1 });
      this.send(subscribeMessage(topic));
    }
    return () => {
      const current = this.topics.get(key);
      if (!current) return;
      current.count -= 1;
      if (current.count === 0) {
        this.topics.delete(key);
        this.send(subscribeMessage(topic, 'unsubscribe'));
      }
    };
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private connect(): void {
    const auth = this.auth;
    if (typeof auth !== 'function') {
      this.open(auth ? ['token', auth] : undefined);
      return;
    }
    auth().then(
      (ticket) => {
        if (!this.stopped) this.open(['ticket', ticket]);
      },
      // No ticket (the server is down, or the session ended): try again like a dropped socket.
      () => this.retry(),
    );
  }

  private open(credential: [string, string] | undefined): void {
    const url = new URL(this.url);
    if (credential) url.searchParams.set(...credential);
    const socket = this.createSocket(url.toString());
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      for (const { topic } of this.topics.values()) socket.send(subscribeMessage(topic));
      clearInterval(this.keepalive);
      this.keepalive = setInterval(() => this.send(JSON.stringify({ action: 'ping' })), KEEPALIVE_MS);
      this.setState('open', reconnected);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parseServerMessage(event.data);
      if (message) for (const listener of this.messageListeners) listener(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearInterval(this.keepalive);
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.setState('reconnecting', false);
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private send(text: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  private setState(state: ConnectionState, reconnected: boolean): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state, reconnected);
  }
}

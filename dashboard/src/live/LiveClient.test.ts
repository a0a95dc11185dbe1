import { describe, expect, it } from 'vitest';

import { LiveClient } from './LiveClient';

/** A socket the test drives by hand: the client is the thing under test. */
class HandSocket {
  static readonly made: HandSocket[] = [];
  readyState: number = WebSocket.CONNECTING;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    HandSocket.made.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = WebSocket.OPEN;
    this.onopen?.();
  }
  drop() {
    this.readyState = WebSocket.CLOSED;
    this.onclose?.();
  }
}

describe('LiveClient', () => {
  it('authenticates, subscribes once per topic, and re-subscribes after a reconnect', async () => {
    const client = new LiveClient('ws://host/api/ws', 't0k/en', (url) => new HandSocket(url) as unknown as WebSocket);
    const states: [string, boolean][] = [];
    client.onState((state, reconnected) => states.push([state, reconnected]));
    const offA = client.subscribe({ kind: 'app', id: 'shop' });
    const offB = client.subscribe({ kind: 'app', id: 'shop' });
    client.start();
    const first = HandSocket.made.at(-1);
    if (!first) throw new Error('no socket');
    expect(first.url).toBe('ws://host/api/ws?token=t0k%2Fen');
    first.open();
    expect(first.sent).toEqual([JSON.stringify({ action: 'subscribe', app: 'shop' })]);

    offA();
    expect(first.sent).toHaveLength(1);
    client.subscribe({ kind: 'deployment', id: 'd1' });
    first.drop();
    expect(client.state).toBe('reconnecting');
    await expect.poll(() => HandSocket.made.length, { timeout: 3000 }).toBe(2);
    const second = HandSocket.made.at(-1);
    second?.open();
    expect(second?.sent).toEqual([
      JSON.stringify({ action: 'subscribe', app: 'shop' }),
      JSON.stringify({ action: 'subscribe', deploymentId: 'd1' }),
    ]);
    expect(states).toEqual([
      ['open', false],
      ['reconnecting', false],
      ['open', true],
    ]);
    offB();
    expect(second?.sent.at(-1)).toBe(JSON.stringify({ action: 'unsubscribe', app: 'shop' }));
    client.stop();
    expect(HandSocket.made).toHaveLength(2);
  });

  it('asks for a fresh ticket before every connection, and retries when none comes', async () => {
    const asked: string[] = [];
    let refuse = true;
    const ticket = () => {
      asked.push('ticket');
      if (refuse) {
        refuse = false;
        return Promise.reject(new Error('server down'));
      }
      return Promise.resolve(`trt_${String(asked.length)}/x`);
    };
    const before = HandSocket.made.length;
    const client = new LiveClient('wss://live.example/prod', ticket, (url) => new HandSocket(url) as unknown as WebSocket);
    client.start();
    // The first ask fails: no socket, a retry after the back-off.
    await expect.poll(() => HandSocket.made.length, { timeout: 3000 }).toBe(before + 1);
    const first = HandSocket.made.at(-1);
    expect(first?.url).toBe('wss://live.example/prod?ticket=trt_2%2Fx');
    first?.open();
    first?.drop();
    await expect.poll(() => HandSocket.made.length, { timeout: 3000 }).toBe(before + 2);
    // A ticket opens one socket: the reconnect asked for a new one.
    expect(HandSocket.made.at(-1)?.url).toBe('wss://live.example/prod?ticket=trt_3%2Fx');
    expect(asked).toHaveLength(3);
    client.stop();
  });
});

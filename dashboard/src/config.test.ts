import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { loadConfig } from './config';
import { server } from './test/server';

const location = { origin: 'https://trellis.example.com', protocol: 'https:', host: 'trellis.example.com' };

describe('runtime configuration', () => {
  it('defaults to the same origin', async () => {
    server.use(http.get('https://trellis.example.com/config.json', () => HttpResponse.json({})));
    expect(await loadConfig(location)).toEqual({
      apiBase: 'https://trellis.example.com',
      websocketUrl: 'wss://trellis.example.com/api/ws',
    });
  });

  it('takes the WebSocket URL from config.json', async () => {
    server.use(
      http.get('https://trellis.example.com/config.json', () =>
        HttpResponse.json({ websocketUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/live' }),
      ),
    );
    expect((await loadConfig(location)).websocketUrl).toBe('wss://abc.execute-api.eu-west-1.amazonaws.com/live');
  });

  it('ignores an HTML answer (a server that falls back to index.html)', async () => {
    server.use(http.get('https://trellis.example.com/config.json', () => HttpResponse.html('<!doctype html>')));
    expect((await loadConfig(location)).apiBase).toBe('https://trellis.example.com');
  });
});

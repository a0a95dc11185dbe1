import { describe, expect, it } from 'vitest';

import { urlProblem, validateDestination } from './rules';

describe('destination rules', () => {
  it('lets through only URLs the API lets Trellis post to', () => {
    for (const url of ['https://hooks.slack.com/services/T/B/x', 'http://127.0.0.1:9000/hook', 'http://localhost/x', 'https://[::1]:8443/x', 'HTTPS://Example.com']) {
      expect(urlProblem(url), url).toBeUndefined();
    }
    for (const [url, why] of [
      ['', 'Give the URL'],
      ['http://example.com/hook', 'Use https (plain'],
      ['ftp://example.com', 'Use an https URL'],
      ['hooks.slack.com/services', 'full URL'],
      ['https://user:pw@example.com/', 'user name'],
      ['http://169.254.169.254/latest/meta-data', 'Link-local'],
      ['https://[fe80::1]/', 'Link-local'],
      ['https:///path', 'no host'],
      [`https://example.com/${'x'.repeat(2048)}`, 'longer than 2048 bytes'],
    ] as const) {
      expect(urlProblem(url), url).toContain(why);
    }
  });

  it('counts a name in characters, after trimming', () => {
    const ok = { url: 'https://example.com', events: ['promotion'] };
    expect(validateDestination({ ...ok, name: '   ' }).name).toBeDefined();
    expect(validateDestination({ ...ok, name: '🚀'.repeat(60) })).toEqual({});
    expect(validateDestination({ ...ok, name: 'x'.repeat(61) }).name).toBeDefined();
    expect(validateDestination({ ...ok, name: 'ok', events: [] })).toEqual({ events: 'Choose at least one event to hear of.' });
  });
});

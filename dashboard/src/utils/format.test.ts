import { expect, test } from 'vitest';

import { formatMegabytes, formatSeconds, formatUntil } from './format';

test('how long until something is due, and "now" once it nearly is or is overdue', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  expect(formatUntil('2026-11-20T10:00:03Z', now)).toBe('now');
  expect(formatUntil('2026-11-20T09:59:00Z', now)).toBe('now');
  expect(formatUntil('2026-11-20T10:00:40Z', now)).toBe('in 40 s');
  expect(formatUntil('2026-11-20T10:03:10Z', now)).toBe('in 3 min');
  expect(formatUntil('2026-11-20T12:10:00Z', now)).toBe('in 2 h');
  expect(formatUntil('soon', now)).toBe('soon');
});

test('sizes in decimal megabytes and short durations in seconds, as the runner logs them', () => {
  expect(formatMegabytes(45_230_000)).toBe('45.2 MB');
  expect(formatMegabytes(0)).toBe('0.0 MB');
  expect(formatSeconds(800)).toBe('0.8 s');
  expect(formatSeconds(1_900)).toBe('1.9 s');
  expect(formatSeconds(75_000)).toBe('1 min 15 s');
});

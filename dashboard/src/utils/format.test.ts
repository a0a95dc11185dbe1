import { expect, test } from 'vitest';

import { formatUntil } from './format';

test('how long until something is due, and "now" once it nearly is or is overdue', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  expect(formatUntil('2026-11-20T10:00:03Z', now)).toBe('now');
  expect(formatUntil('2026-11-20T09:59:00Z', now)).toBe('now');
  expect(formatUntil('2026-11-20T10:00:40Z', now)).toBe('in 40 s');
  expect(formatUntil('2026-11-20T10:03:10Z', now)).toBe('in 3 min');
  expect(formatUntil('2026-11-20T12:10:00Z', now)).toBe('in 2 h');
  expect(formatUntil('soon', now)).toBe('soon');
});

import type { Delivery, DestinationKind } from '../../api/types';

/** The events a destination may choose, in the API's words, with what they mean to people. */
export const EVENTS = [
  { name: 'deployment.started', label: 'A deployment started' },
  { name: 'deployment.succeeded', label: 'A deployment succeeded' },
  { name: 'deployment.failed', label: 'A deployment failed' },
  { name: 'deployment.cancelled', label: 'A deployment was cancelled' },
  { name: 'promotion', label: 'A promotion was asked for' },
  { name: 'rollback', label: 'A rollback was asked for' },
  { name: 'teardown', label: 'A teardown was asked for' },
  { name: 'approval.needed', label: 'A deployment awaits approval' },
] as const;

export const DEFAULT_EVENTS: readonly string[] = ['deployment.succeeded', 'deployment.failed', 'approval.needed'];

export const KINDS: { kind: DestinationKind; label: string }[] = [
  { kind: 'slack', label: 'Slack incoming webhook' },
  { kind: 'webhook', label: 'Webhook' },
];

/** The API refuses an app's eleventh destination (409). */
export const MAX_DESTINATIONS = 10;
const MAX_NAME_CHARS = 60;
const MAX_URL_BYTES = 2048;

export function eventLabel(name: string): string {
  // An event this dashboard does not know yet is still shown, by its own name.
  return EVENTS.find((e) => e.name === name)?.label ?? name;
}

export function kindLabel(kind: DestinationKind): string {
  return KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** Not delivered yet and still to be tried: the server sends it in the background. */
export function deliveryPending(d: Delivery): boolean {
  return !d.deliveredAt && !d.gaveUp;
}

export interface DestinationInput {
  name: string;
  url: string;
  events: readonly string[];
}

export type DestinationErrors = Partial<Record<'name' | 'url' | 'events', string>>;

/** What the API would refuse (trellis_core::notify::destinations), said before asking it. */
export function validateDestination(input: DestinationInput): DestinationErrors {
  const errors: DestinationErrors = {};
  const name = input.name.trim();
  // The server counts code points (Rust chars), not UTF-16 units.
  if (!name || Array.from(name).length > MAX_NAME_CHARS) errors.name = `Give the destination a name of 1 to ${MAX_NAME_CHARS} characters.`;
  const url = urlProblem(input.url.trim());
  if (url) errors.url = url;
  if (input.events.length === 0) errors.events = 'Choose at least one event to hear of.';
  return errors;
}

/** Why Trellis may not post to `url`, or undefined when it may: https, or plain http to this
 * machine, never a link-local address (a cloud metadata service). */
export function urlProblem(url: string): string | undefined {
  if (!url) return 'Give the URL to post to.';
  if (new TextEncoder().encode(url).length > MAX_URL_BYTES) return `The URL is longer than ${MAX_URL_BYTES} bytes.`;
  const split = url.indexOf('://');
  if (split < 0) return 'Give a full URL, such as https://hooks.slack.com/services/…';
  const scheme = url.slice(0, split).toLowerCase();
  const authority = url.slice(split + 3).split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@')) return 'The URL may not hold a user name or password.';
  const host = (
    authority.startsWith('[') ? (authority.slice(1).split(']', 1)[0] ?? '') : (authority.split(':', 1)[0] ?? '')
  ).toLowerCase();
  if (!host || /[\s\p{Cc}]/u.test(host)) return 'The URL has no host.';
  if (host.startsWith('169.254.') || host.startsWith('fe80:') || host === 'metadata.google.internal') {
    return 'Link-local addresses (cloud metadata services) are not destinations.';
  }
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  if (scheme === 'https' || (scheme === 'http' && loopback)) return undefined;
  return scheme === 'http' ? 'Use https (plain http only to this machine).' : 'Use an https URL.';
}

/** A `datetime-local` input speaks the browser's local time without a zone ("2026-11-29T10:00");
 * the API wants RFC 3339. These convert between the two. */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The RFC 3339 instant of a local input value, or undefined when it is empty or invalid. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** The input value showing an RFC 3339 instant in local time ("" for none). */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/**
 * The `format`s a plugin's `configSchema` may use, checked with what Node already knows
 * (URL, net) or a short, well-known pattern. ajv itself enforces none; a format missing
 * here is refused when the manifest is read rather than silently not checked.
 */
import { isIPv4, isIPv6 } from 'node:net';

import type { Format } from 'ajv';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[zZ]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 1123 host names: labels of letters, digits and inner hyphens, at most 253 in all.
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
// Deliberately loose: one "@", no spaces, a dot in the domain. Mail servers decide the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

function isDateTime(value: string): boolean {
  const [date, time] = value.split(/[tT ]/, 2);
  return date !== undefined && time !== undefined && isDate(date) && TIME.test(time);
}

/** The formats, by name, as ajv's `formats` option takes them. */
export const CONFIG_FORMATS: Record<string, Format> = {
  uri: (value: string) => URL.canParse(value),
  email: EMAIL,
  hostname: HOSTNAME,
  ipv4: (value: string) => isIPv4(value),
  ipv6: (value: string) => isIPv6(value),
  date: isDate,
  'date-time': isDateTime,
  uuid: UUID,
};

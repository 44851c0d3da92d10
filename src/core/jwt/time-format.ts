/**
 * Human wording for JWT times (NumericDate = epoch seconds). Shared by the
 * verifier's messages (UTC) and the claim explanations (local time).
 */
import { OidcError } from '../errors';

// The largest instant a JavaScript Date can hold; larger claims are shown as raw numbers.
const MAX_DATE_SECONDS = 8.64e12;

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "45 seconds", "54 minutes", "2 h 5 min", "3 hours", "4 d 2 h" for a number of seconds (sign ignored). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  const s = Math.floor(Math.abs(seconds));
  if (s < 60) return plural(s, 'second');
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  if (hours < 24) return restMinutes === 0 ? plural(hours, 'hour') : `${hours} h ${restMinutes} min`;
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? plural(days, 'day') : `${days} d ${restHours} h`;
}

/** "in 54 minutes", "3 hours ago" or "now" for `target` relative to `now` (both epoch seconds). */
export function formatRelative(target: number, now: number): string {
  const delta = target - now;
  if (Math.abs(delta) < 1) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

function representable(seconds: number): boolean {
  return Number.isFinite(seconds) && Math.abs(seconds) <= MAX_DATE_SECONDS;
}

// 10000-01-01T00:00:00Z: below it (and from 1970) a date is four-digit years, computed without a Date.
const YEAR_10000 = 253402300800;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** "2024-05-01 14:03:12 UTC" for epoch seconds. */
export function formatUtc(seconds: number): string {
  if (!representable(seconds)) return `epoch ${seconds}`;
  const whole = Math.floor(seconds);
  // Every verification words exp and iat; Date#toISOString cost more than the rest of the claim
  // checks together. Outside 1970-9999 the Date keeps its own spelling (e.g. "+010000-01-01").
  if (whole < 0 || whole >= YEAR_10000) {
    const iso = new Date(whole * 1000).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  }
  const days = Math.floor(whole / 86400);
  const rest = whole - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const hh = Math.floor(rest / 3600);
  const mm = Math.floor((rest % 3600) / 60);
  return `${year}-${two(month)}-${two(day)} ${two(hh)}:${two(mm)}:${two(rest % 60)} UTC`;
}

/**
 * Year, month and day of a count of days since 1970-01-01 (proleptic Gregorian), after Howard
 * Hinnant's civil_from_days (https://howardhinnant.github.io/date_algorithms.html); days >= 0 here.
 */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch (cause) {
      throw new OidcError('jwt.time_zone', `"${timeZone}" is not a time zone this runtime knows.`, {
        where: 'claim explanation',
        hint: 'Use an IANA time zone name such as "Europe/Berlin" or "UTC", or leave it out to use the system time zone.',
        cause,
      });
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * What Intl would print for `date` in the system time zone, when that zone is
 * UTC, or undefined. Creating the first Intl.DateTimeFormat loads ICU's data,
 * about 12 ms: most of `oidc-flow decode`'s start on a server, a container or
 * CI, which run in UTC (issue #14, CLI start). Date's own local fields cost
 * nothing; Date#toString names the zone ("Coordinated Universal Time" only
 * for UTC, in the system locale: any other name, or another locale, takes
 * Intl's path). Years outside 1900-9999 take it too (ICU's calendar is Julian
 * before 1582). test/unit/jwt/time-format.test.ts holds both paths to the same text.
 */
export function utcZoneFastPath(date: Date): string | undefined {
  const year = date.getFullYear();
  if (year < 1900 || year > 9999 || !date.toString().endsWith('(Coordinated Universal Time)')) return undefined;
  return `${year}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} UTC`;
}

/** "2024-05-01 16:03:12 GMT+2" for epoch seconds in `timeZone` (default: the system's). */
export function formatLocal(seconds: number, timeZone?: string): string {
  if (timeZone === undefined && representable(seconds)) {
    const fast = utcZoneFastPath(new Date(Math.floor(seconds) * 1000));
    if (fast !== undefined) return fast;
  }
  const formatter = formatterFor(timeZone);
  if (!representable(seconds)) return `epoch ${seconds}`;
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(Math.floor(seconds) * 1000)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName ?? ''}`.trim();
}

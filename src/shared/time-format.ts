// The last two instants formatted, and their text: a batch's keys share a create/update time and an
// expiry, and a response formats them in turn (create, update, expire, create…), which one slot misses.
let msA = Number.NaN;
let textA = '';
let msB = Number.NaN;
let textB = '';

/**
 * RFC 3339 (UTC, millisecond precision) for API responses; undefined stays undefined. The last two
 * answers are kept (V8's toISOString asks ICU for the time zone on every call, ~1 µs).
 */
export function rfc3339(ms: number | null | undefined): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  if (ms === msA) return textA;
  if (ms !== msB) {
    textB = new Date(ms).toISOString();
    msB = ms;
  }
  // The hit becomes the first slot; the other is kept in the second.
  const t = textB;
  msB = msA;
  textB = textA;
  msA = ms;
  textA = t;
  return t;
}

// The last whole second `isoTimestamp` formatted, and its text up to the dot ("2026-11-27T22:01:10.").
let lastSecond = Number.NaN;
let secondPrefix = '';
// Dates whose ISO text has a four-digit year (0000–9999): the fixed layout the prefix relies on.
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;

/**
 * Same text as `new Date(ms).toISOString()`, for the time of every log line. V8's toISOString looks up
 * the local time-zone offset through ICU on every call even though the answer is UTC (≈ 1.5 % of a
 * verify request's CPU under load, docs/performance.md); here the text up to the seconds is formatted
 * once per second and the milliseconds appended.
 */
export function isoTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_MS) return new Date(ms).toISOString();
  const millis = ms % 1000;
  const second = ms - millis;
  if (second !== lastSecond) {
    secondPrefix = new Date(second).toISOString().slice(0, 20);
    lastSecond = second;
  }
  return `${secondPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

// The last whole second `httpDate` formatted, and its text.
let httpSecond = Number.NaN;
let httpText = '';

/** The HTTP `Date` header's value (RFC 9110 IMF-fixdate) for `ms`, formatted once a second as node:http does. */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== httpSecond) {
    httpSecond = second;
    httpText = new Date(second * 1000).toUTCString();
  }
  return httpText;
}

let lastMs = Number.NaN;
let lastText = '';

/**
 * RFC 3339 (UTC, millisecond precision) for API responses; undefined stays undefined. The last answer is
 * kept: the keys of one batch share their create and update times, and a response formats them all.
 */
export function rfc3339(ms: number | null | undefined): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
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

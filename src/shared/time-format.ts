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

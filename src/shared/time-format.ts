/** RFC 3339 (UTC, millisecond precision) for API responses; undefined stays undefined. */
export function rfc3339(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Small numeric helpers shared by the scenarios and the report. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const minOf = (v: readonly number[]): number => (v.length ? Math.min(...v) : Number.NaN);
export const maxOf = (v: readonly number[]): number => (v.length ? Math.max(...v) : Number.NaN);

/** Formats a figure with a sensible number of digits for a table cell. */
export function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return '—';
  const d = digits ?? (Math.abs(n) >= 1000 ? 0 : Math.abs(n) >= 100 ? 1 : 2);
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);

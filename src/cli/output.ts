// Rendering of CLI results: JSON for machines, aligned plain-text tables for people. No deps, no
// colours, no terminal-width guessing: the same data always prints the same bytes.

export type OutputFormat = 'table' | 'json';

export interface Column {
  /** Field name in each row (or in the object, for a field/value table). */
  key: string;
  /** Heading (table of rows) or label (field/value table); defaults to `key`. */
  header?: string;
  /** Computes the cell from the whole row instead of reading `row[key]`. */
  get?: (row: Record<string, unknown>) => unknown;
}

/** Where output goes: `process.stdout` unless a caller (a test) passes another sink. */
export interface Writer {
  write(chunk: string): unknown;
}

const GAP = '  ';

/** Writes `data` to stdout: an array as a table of rows, anything else as a field/value table. */
export function printResult(data: unknown, format: OutputFormat, columns?: Column[], out: Writer = process.stdout): void {
  out.write(`${renderResult(data, format, columns)}\n`);
}

/** The text `printResult` writes, without the final newline. */
export function renderResult(data: unknown, format: OutputFormat, columns?: Column[]): string {
  if (format === 'json') return JSON.stringify(data ?? null, null, 2);
  if (Array.isArray(data)) return renderRows(data.map(asRecord), columns);
  if (isPlainObject(data)) return renderFields(data, columns);
  return formatCell(data);
}

function renderRows(rows: Record<string, unknown>[], columns?: Column[]): string {
  const cols = columns ?? inferColumns(rows);
  const header = cols.map((c) => (c.header ?? c.key).toUpperCase());
  const body = rows.map((row) => cols.map((c) => formatCell(cellOf(row, c))));
  return alignLines([header, ...body]);
}

function renderFields(obj: Record<string, unknown>, columns?: Column[]): string {
  const cols: Column[] = columns ?? Object.keys(obj).map((key) => ({ key }));
  const lines = cols
    .map((c) => [c.header ?? c.key, cellOf(obj, c)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([label, v]) => [label, formatCell(v)]);
  return alignLines(lines);
}

/** Union of the rows' keys, in first-seen order. */
function inferColumns(rows: Record<string, unknown>[]): Column[] {
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) keys.add(k);
  return [...keys].map((key) => ({ key }));
}

function cellOf(row: Record<string, unknown>, c: Column): unknown {
  return c.get ? c.get(row) : row[c.key];
}

/** Pads every column but the last to its widest cell; no trailing spaces. */
function alignLines(lines: string[][]): string {
  const widths: number[] = [];
  for (const line of lines) {
    line.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return lines
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i])))
        .join(GAP)
        .trimEnd(),
    )
    .join('\n');
}

/** One cell: scalars as text, lists comma-joined, objects as compact JSON, absent as `-`. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    if (value.every((v) => typeof v !== 'object' || v === null)) return sanitize(value.map(String).join(','));
    return sanitize(JSON.stringify(value));
  }
  if (typeof value === 'object') {
    return Object.keys(value).length === 0 ? '-' : sanitize(JSON.stringify(value));
  }
  return sanitize(String(value));
}

// Security: names, metadata and server messages are attacker-controllable; a raw ESC or newline
// could forge table rows or drive the terminal. Control characters are shown escaped instead.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function sanitize(s: string): string {
  return s.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? v : { value: v };
}

// The console's import input, parsed with the very code of `keysmith keys import` (src/cli/), so a
// file the CLI accepts is accepted here, row for row, with the same messages: CSV (RFC 4180, header
// row, same columns) and JSON Lines. Pasted JSON (an object, an array, or {"requests": [...]}) goes
// through the same per-item validation.
import type { ImportKeyRequest } from '../../src/cli/api-types.js';
import type { FileLine } from '../../src/cli/import-lines.js';
import { LineError, toImportItem } from '../../src/cli/import-item.js';
import { createDecoder, type ImportFormat, type SourceEntry } from '../../src/cli/import-source.js';

export type { ImportKeyRequest, SourceEntry };

const MAX_LINE_CHARS = 1 << 20;

/** Physical lines as the CLI's reader yields them: 1-based, CRLF/LF stripped, BOM dropped, over-long lines null. */
export function toLines(text: string): FileLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((raw, i) => {
    const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { no: i + 1, text: t.length > MAX_LINE_CHARS ? null : t, bytes: raw.length + 1 };
  });
}

/** A file's entries, or throws Error (a bad CSV header: nothing would be sent). */
export function parseFile(text: string, format: ImportFormat): SourceEntry[] {
  const decoder = createDecoder(format);
  const out: SourceEntry[] = [];
  for (const line of toLines(text)) out.push(...decoder.push(line));
  out.push(...decoder.end());
  return out;
}

export function formatOf(fileName: string): ImportFormat | undefined {
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return ext === 'csv' ? 'csv' : ext === 'jsonl' || ext === 'ndjson' ? 'jsonl' : undefined;
}

/** Pasted JSON → entries numbered by item (1-based). */
export function parsePasted(text: string): SourceEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`Not valid JSON: ${(e as Error).message}`);
  }
  const items = Array.isArray(value) ? value : typeof value === 'object' && value !== null && Array.isArray((value as { requests?: unknown }).requests) ? (value as { requests: unknown[] }).requests : [value];
  return items.map((v, i) => {
    try {
      return { line: i + 1, item: toImportItem(v, i + 1) };
    } catch (e) {
      if (e instanceof LineError) return { line: i + 1, error_code: e.code, error_message: e.message };
      throw e;
    }
  });
}

// One input record of `keysmith keys import` → one batchCreate item (SPEC §3 "Batch import"), or a
// LineError that names what is wrong without quoting the line (it may hold a key).
import * as crypto from 'node:crypto';
import type { ImportKeyRequest } from './api-types.js';
import { VISIBILITIES } from './keys-input.js';

/** A bad input line: reported with `error_code`, never sent. Messages never quote key material. */
export class LineError extends Error {
  override readonly name = 'LineError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FIELDS = new Set([
  'raw_key',
  'sha256',
  'name',
  'actor_id',
  'scopes',
  'metadata',
  'ttl',
  'rate_limit_policy',
  'ip_restriction',
  'visibility',
  'request_id',
]);
const MAX_REQUEST_ID = 36;
const REQUEST_ID_DOMAIN = 'keysmith/import-request-id/v1|';

const LINE_DIGITS = 7; // base 36: lines up to 78 billion before the prefix wraps (the hash still tells keys apart)
const LINE_WRAP = 36 ** LINE_DIGITS;

/**
 * `imp-<line>-<hash>`: the line number in 7 base-36 digits, then 24 hex chars (96 bits) of SHA-256 over a
 * domain tag and the key (or its digest as written) — 36 chars, the request_id maximum (SPEC §2). The
 * same line of the same file always gets the same id, so a re-run is answered `replayed` instead of
 * importing twice; a key moved to another line is answered "already exists", which counts the same.
 * The line number comes first so that a run's ids ascend: the database appends them at the right edge
 * of its request-id index instead of scattering a million random inserts across it (on SQLite a random
 * index costs a dirtied page per key; docs/performance.md).
 */
export function deriveRequestId(keyOrDigest: string, line: number): string {
  const at = (Math.max(0, Math.trunc(line)) % LINE_WRAP).toString(36).padStart(LINE_DIGITS, '0');
  return `imp-${at}-${sha256Hex(REQUEST_ID_DOMAIN + keyOrDigest).slice(0, 24)}`;
}

// One-shot `crypto.hash` (Node ≥ 20.12) is ~2x faster than createHash on short inputs: this runs once
// per line, and on a million lines that is a second of CPU.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
const sha256Hex = oneShot ? (s: string): string => oneShot('sha256', s, 'hex') : (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** Validates a parsed JSON Lines object (or a CSV row turned into one) from `line` and fills in request_id. */
export function toImportItem(value: unknown, line: number): ImportKeyRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LineError('INVALID_ITEM', 'the line is not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  for (const field of Object.keys(obj)) {
    // A typo ("scope") would otherwise drop data silently; field names are echoed, values never.
    if (!FIELDS.has(field)) throw new LineError('INVALID_ITEM', `unknown field "${field.slice(0, 64)}"`);
  }
  const rawKey = optionalString(obj, 'raw_key');
  const sha256 = optionalString(obj, 'sha256');
  if (rawKey !== undefined && sha256 !== undefined) {
    throw new LineError('INVALID_ITEM', 'give either raw_key or sha256, not both');
  }
  if (rawKey === undefined && sha256 === undefined) throw new LineError('INVALID_ITEM', 'raw_key or sha256 is required');
  if (sha256 !== undefined && !isSha256Digest(sha256)) {
    throw new LineError('INVALID_ITEM', 'sha256 must be a SHA-256 digest in hex (64 chars) or base64');
  }
  const item: ImportKeyRequest = { name: requiredString(obj, 'name'), actor_id: requiredString(obj, 'actor_id') };
  if (rawKey !== undefined) item.raw_key = rawKey;
  else item.sha256 = sha256;
  const scopes = obj.scopes ?? undefined;
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
      throw new LineError('INVALID_ITEM', 'scopes must be an array of strings');
    }
    item.scopes = scopes;
  }
  const metadata = obj.metadata ?? undefined;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new LineError('INVALID_ITEM', 'metadata must be a JSON object');
    item.metadata = metadata as Record<string, unknown>;
  }
  for (const field of ['rate_limit_policy', 'ip_restriction'] as const) {
    const v = obj[field] ?? undefined;
    if (v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new LineError('INVALID_ITEM', `${field} must be a JSON object`);
    item[field] = v as never;
  }
  const ttl = optionalString(obj, 'ttl');
  if (ttl !== undefined) item.ttl = ttl;
  const visibility = optionalString(obj, 'visibility');
  if (visibility !== undefined) item.visibility = VISIBILITIES[visibility.toLowerCase() as 'secret'] ?? visibility;
  const requestId = optionalString(obj, 'request_id');
  if (requestId !== undefined && requestId.length > MAX_REQUEST_ID) {
    throw new LineError('INVALID_ITEM', `request_id is longer than ${MAX_REQUEST_ID} characters`);
  }
  item.request_id = requestId ?? deriveRequestId((rawKey ?? sha256) as string, line);
  return item;
}

/** Absent, null and "" all mean "not given". */
function optionalString(obj: Record<string, unknown>, field: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new LineError('INVALID_ITEM', `${field} must be a string`);
  return v;
}

function requiredString(obj: Record<string, unknown>, field: string): string {
  const v = optionalString(obj, field);
  if (v === undefined || v.trim() === '') throw new LineError('INVALID_ITEM', `${field} is required`);
  return v;
}

/** 32 bytes as hex, or as base64 / base64url (padding optional). */
export function isSha256Digest(s: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return true;
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(s);
}

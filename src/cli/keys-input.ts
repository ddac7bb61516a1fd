// Turns `keysmith keys …` option strings into API request fields. Every rejection is a UsageError,
// which the command layer reports in one line with exit code 2 (bad input, nothing was sent).
import type { KeyFields, RateLimitPolicy } from './api-types.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options shared by `issue`, `update` and `rotate`, as commander hands them over. */
export interface KeyFieldOptions {
  name?: string;
  scopes?: string;
  metadata?: string;
  allowedCidrs?: string;
  rateLimit?: string;
}

/** `a, b,,c` → `['a','b','c']`; an empty string gives `[]` (an explicit empty list). */
export function parseCsv(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Metadata must be a JSON object (SPEC §2); the 4 KB limit is the server's to enforce. */
export function parseMetadata(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new UsageError(`--metadata is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--metadata must be a JSON object, e.g. \'{"team":"billing"}\'');
  }
  return parsed as Record<string, unknown>;
}

// Durations the server accepts (SPEC §3): `60s`, `1h30m`, `1d`, `1w`, `1mo`, `1y`.
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w|mo|y))+$/;

/** `<quota>/<window>[/<unit>]`, e.g. `100/60s`, `5000/1h`, `10/30` (bare window = seconds). */
export function parseRateLimit(value: string): RateLimitPolicy {
  const [quota = '', rawWindow = '', unit, ...rest] = value.trim().split('/');
  const window = /^\d+$/.test(rawWindow) ? `${rawWindow}s` : rawWindow;
  if (rest.length > 0 || !/^[1-9]\d*$/.test(quota) || !DURATION.test(window) || unit === '') {
    throw new UsageError(`--rate-limit must look like <quota>/<window>, e.g. 100/60s (got "${value}")`);
  }
  // quota is an int64, a string on the wire (as in the Ory SDK).
  return unit ? { quota, window, unit } : { quota, window };
}

export function parseChoice<T extends string>(option: string, value: string, map: Record<string, T>): T {
  const found = map[value.trim().toLowerCase()] ?? Object.values(map).find((v) => v === value.trim());
  if (!found) {
    throw new UsageError(`${option} must be one of ${Object.keys(map).join(', ')} (got "${value}")`);
  }
  return found;
}

export const REVOCATION_REASONS = {
  key_compromise: 'REVOCATION_REASON_KEY_COMPROMISE',
  affiliation_changed: 'REVOCATION_REASON_AFFILIATION_CHANGED',
  superseded: 'REVOCATION_REASON_SUPERSEDED',
  privilege_withdrawn: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN',
} as const;

export const KEY_STATUSES = {
  active: 'KEY_STATUS_ACTIVE',
  revoked: 'KEY_STATUS_REVOKED',
  expired: 'KEY_STATUS_EXPIRED',
} as const;

export const VISIBILITIES = { secret: 'KEY_VISIBILITY_SECRET', public: 'KEY_VISIBILITY_PUBLIC' } as const;

export function parsePositiveInt(option: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value.trim())) throw new UsageError(`${option} must be a positive integer (got "${value}")`);
  return Number(value.trim());
}

/** AIP-160 string literal: backslash and double quote escaped, then quoted. */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** `actor_id="…" AND status=KEY_STATUS_…`, or undefined when neither is given. */
export function buildListFilter(opts: { actor?: string; status?: string }): string | undefined {
  const clauses: string[] = [];
  if (opts.actor !== undefined) clauses.push(`actor_id=${quoteFilterValue(opts.actor)}`);
  if (opts.status !== undefined) clauses.push(`status=${parseChoice('--status', opts.status, KEY_STATUSES)}`);
  return clauses.length ? clauses.join(' AND ') : undefined;
}

/** The given key-field options as API fields; absent options stay absent (presence matters). */
export function buildKeyFields(opts: KeyFieldOptions): KeyFields {
  const fields: KeyFields = {};
  if (opts.name !== undefined) fields.name = opts.name;
  if (opts.scopes !== undefined) fields.scopes = parseCsv(opts.scopes);
  if (opts.metadata !== undefined) fields.metadata = parseMetadata(opts.metadata);
  if (opts.rateLimit !== undefined) fields.rate_limit_policy = parseRateLimit(opts.rateLimit);
  if (opts.allowedCidrs !== undefined) fields.ip_restriction = { allowed_cidrs: parseCsv(opts.allowedCidrs) };
  return fields;
}

/** CLI spellings accepted by `--clear`, mapped to update_mask paths. */
const CLEARABLE: Record<string, keyof KeyFields> = {
  name: 'name',
  scopes: 'scopes',
  metadata: 'metadata',
  'rate-limit': 'rate_limit_policy',
  rate_limit: 'rate_limit_policy',
  rate_limit_policy: 'rate_limit_policy',
  'allowed-cidrs': 'ip_restriction',
  allowed_cidrs: 'ip_restriction',
  ip_restriction: 'ip_restriction',
};

/** The empty value that clears each field (AIP-134; `null` removes a rate limit, as in Talos). */
const EMPTY: Required<KeyFields> = {
  name: '',
  scopes: [],
  metadata: {},
  rate_limit_policy: null,
  ip_restriction: { allowed_cidrs: [] },
};

/**
 * Merges `--clear a,b` into the fields: each cleared field is sent empty. Returns the fields and
 * the update mask (given fields, then cleared ones, without duplicates).
 */
export function applyClears(fields: KeyFields, clear: string | undefined): { fields: KeyFields; mask: string[] } {
  const out: KeyFields = { ...fields };
  const mask = Object.keys(fields) as (keyof KeyFields)[];
  for (const item of clear === undefined ? [] : parseCsv(clear)) {
    const path = CLEARABLE[item.toLowerCase()];
    if (!path) throw new UsageError(`--clear accepts name, scopes, metadata, rate-limit, allowed-cidrs (got "${item}")`);
    if (path in fields) throw new UsageError(`cannot both set and clear ${path}`);
    if (mask.includes(path)) continue;
    (out as Record<string, unknown>)[path] = structuredClone(EMPTY[path]);
    mask.push(path);
  }
  return { fields: out, mask };
}

import ipaddr from 'ipaddr.js';
import { AppError, invalidArgument } from '../errors/app-error.js';
import { parseDuration } from '../shared/duration.js';
import type { RateLimitPolicy, RevocationReason, Visibility } from '../store/records.js';

/**
 * Semantic validation and normalisation of key fields, after the wire schema checked their shape.
 * Every failure is a 400 naming the field. Control characters are refused in identifiers because
 * they corrupt logs and tables downstream (and PostgreSQL refuses NUL outright).
 */
export const METADATA_MAX_BYTES = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

export function cleanText(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (CONTROL.test(value)) throw invalidArgument(`${field} must not contain control characters.`, field);
  return value;
}

export function cleanScopes(scopes: string[] | undefined, field = 'scopes'): string[] | undefined {
  if (scopes === undefined) return undefined;
  const out: string[] = [];
  for (const s of scopes) {
    if (s.length === 0 || CONTROL.test(s) || /\s/.test(s))
      throw invalidArgument(`${field} entries must be non-empty and contain no whitespace or control characters.`, field);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

export function cleanMetadata(metadata: Record<string, unknown> | undefined, field = 'metadata'): Record<string, unknown> | undefined {
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw invalidArgument(`${field} must be a JSON object.`, field);
  let serialised: string;
  try {
    serialised = JSON.stringify(metadata);
  } catch {
    // JSON.parse accepts nesting that JSON.stringify then overflows the stack on (10,000-deep arrays).
    throw invalidArgument(`${field} is nested too deeply.`, field);
  }
  const size = Buffer.byteLength(serialised);
  if (size > METADATA_MAX_BYTES) throw invalidArgument(`${field} must be at most ${METADATA_MAX_BYTES} bytes serialised (got ${size}).`, field);
  return metadata;
}

export function cleanCidrs(cidrs: string[] | undefined, field = 'ip_restriction.allowed_cidrs'): string[] | undefined {
  if (cidrs === undefined) return undefined;
  const out: string[] = [];
  for (const raw of cidrs) {
    let normalised: string;
    try {
      if (raw.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(raw);
        normalised = `${networkAddress(addr, bits)}/${bits}`;
      } else {
        const addr = ipaddr.parse(raw);
        normalised = `${addr.toString()}/${addr.kind() === 'ipv4' ? 32 : 128}`;
      }
    } catch {
      throw invalidArgument(`${field} contains an invalid CIDR.`, field);
    }
    if (!out.includes(normalised)) out.push(normalised);
  }
  return out;
}

function networkAddress(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export interface RateLimitInput {
  quota: string | number;
  window: string;
  unit?: string;
}
const UNITS = ['requests', 'content-bytes', 'concurrent-requests'];

export function cleanRateLimit(input: RateLimitInput | null | undefined, field = 'rate_limit_policy'): RateLimitPolicy | null | undefined {
  if (input === undefined) return undefined;
  if (input === null) return null;
  const quota = typeof input.quota === 'number' ? input.quota : /^[0-9]{1,16}$/.test(input.quota) ? Number(input.quota) : Number.NaN;
  if (!Number.isSafeInteger(quota) || quota <= 0) throw invalidArgument(`${field}.quota must be a positive integer.`, `${field}.quota`);
  const windowMs = parseDuration(input.window);
  if (windowMs === null || windowMs < 1000 || windowMs > 315_360_000_000)
    throw invalidArgument(`${field}.window must be a duration between 1s and 10y.`, `${field}.window`);
  const unit = input.unit === undefined || input.unit === '' ? 'requests' : input.unit;
  if (!UNITS.includes(unit)) throw invalidArgument(`${field}.unit must be one of ${UNITS.join(', ')}.`, `${field}.unit`);
  return { quota, windowMs, unit };
}

export function resolveTtl(ttl: string | undefined, defaultMs: number, maxMs: number): number {
  if (ttl === undefined || ttl === '') return defaultMs;
  const ms = parseDuration(ttl);
  if (ms === null) throw new AppError('INVALID_TTL', 'ttl is not a valid duration (e.g. "3600s", "24h", "30d").', { field: 'ttl' });
  if (ms <= 0) throw new AppError('INVALID_TTL', 'Non-expiring API keys are not supported: ttl must be positive.', { field: 'ttl' });
  if (ms < 1000) throw new AppError('INVALID_TTL', 'ttl must be at least 1s.', { field: 'ttl' });
  if (ms > maxMs)
    throw new AppError('INVALID_TTL', `ttl exceeds the project maximum of ${Math.floor(maxMs / 1000)}s.`, {
      field: 'ttl',
      max_ttl: `${Math.floor(maxMs / 1000)}s`,
    });
  return ms;
}

export function parseVisibility(v: string | undefined): Visibility | undefined {
  if (v === undefined || v === 'KEY_VISIBILITY_UNSPECIFIED') return undefined;
  return v === 'KEY_VISIBILITY_PUBLIC' ? 'public' : 'secret';
}

const REASONS: Record<string, RevocationReason> = {
  REVOCATION_REASON_KEY_COMPROMISE: 'KEY_COMPROMISE',
  REVOCATION_REASON_AFFILIATION_CHANGED: 'AFFILIATION_CHANGED',
  REVOCATION_REASON_SUPERSEDED: 'SUPERSEDED',
  REVOCATION_REASON_PRIVILEGE_WITHDRAWN: 'PRIVILEGE_WITHDRAWN',
};

/** Revoke body: a reason is required; a description only with PRIVILEGE_WITHDRAWN (as Talos). */
export function parseRevocation(reason: string | undefined, description: string | undefined): { reason: RevocationReason; description: string | null } {
  const r = reason ? REASONS[reason] : undefined;
  if (!r)
    throw invalidArgument('reason is required: one of KEY_COMPROMISE, AFFILIATION_CHANGED, SUPERSEDED, PRIVILEGE_WITHDRAWN (REVOCATION_REASON_…).', 'reason');
  if (description && r !== 'PRIVILEGE_WITHDRAWN')
    throw invalidArgument('description is only allowed with REVOCATION_REASON_PRIVILEGE_WITHDRAWN.', 'description');
  return { reason: r, description: cleanText(description, 'description') || null };
}

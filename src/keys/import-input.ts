import { AppError, invalidArgument } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import { classifyCredential } from './key-format.js';
import type { NewKeyFields } from './key-lifecycle.js';
import { cleanCidrs, cleanMetadata, cleanRateLimit, cleanScopes, cleanText, parseVisibility, type RateLimitInput, resolveTtl } from './key-input.js';

export const RAW_KEY_MAX = 1024;

/** No lone UTF-16 surrogates (String.prototype.isWellFormed, Node ≥ 20). */
export const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** One key to import, validated. Exactly one of rawKey / sha256 (lower-case hex) is set. */
export interface ImportInput extends NewKeyFields {
  rawKey?: string;
  sha256?: string;
  name: string;
  actorId: string;
}

export interface ImportBody {
  raw_key?: string;
  sha256?: string;
  name?: string;
  actor_id?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  ttl?: string;
  rate_limit_policy?: RateLimitInput;
  ip_restriction?: { allowed_cidrs?: string[] };
  visibility?: string;
  request_id?: string;
}

/** A SHA-256 digest as 64 hex characters or 43/44 base64(url) characters → lower-case hex. */
export function parseSha256(text: string): string {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return t.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes.toString('hex');
  }
  throw invalidArgument('sha256 must be a SHA-256 digest: 64 hex characters or 43/44 base64 characters.', 'sha256');
}

/**
 * Validates an import request (single or one batch item) into an ImportInput. Refuses strings that
 * are Keysmith-issued keys (409 ISSUED_KEY_FORMAT) or shaped like derived tokens (409
 * DERIVED_TOKEN_FORMAT): they would be routed to another verifier and never match the import.
 */
export function toImportInput(ctx: ProjectContext, b: ImportBody): ImportInput {
  const name = cleanText(b.name, 'name');
  const actorId = cleanText(b.actor_id, 'actor_id');
  if (!name) throw invalidArgument('name is required.', 'name');
  if (!actorId) throw invalidArgument('actor_id is required.', 'actor_id');
  if ((b.raw_key === undefined || b.raw_key === '') === (b.sha256 === undefined || b.sha256 === ''))
    throw invalidArgument('Exactly one of raw_key and sha256 is required.', 'raw_key');
  let rawKey: string | undefined;
  let sha256: string | undefined;
  if (b.raw_key) {
    rawKey = b.raw_key;
    if (rawKey.length > RAW_KEY_MAX) throw invalidArgument(`raw_key must be at most ${RAW_KEY_MAX} characters.`, 'raw_key');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
    if (/[\u0000-\u001f\u007f]/.test(rawKey) || rawKey.trim() !== rawKey)
      throw invalidArgument('raw_key must not contain control characters or surrounding whitespace.', 'raw_key');
    // A lone surrogate would be hashed as U+FFFD (UTF-8 encoding is lossy there): two different strings
    // would become one key. Refuse what is not well-formed Unicode.
    if (!isWellFormed(rawKey)) throw invalidArgument('raw_key must be well-formed Unicode (no lone surrogates).', 'raw_key');
    const type = classifyCredential(rawKey, ctx.macaroonPrefixes);
    if (type === 'issued') throw new AppError('ISSUED_KEY_FORMAT', 'The raw key has the format of a Keysmith-issued key; issued keys cannot be imported.');
    if (type === 'derived_jwt' || type === 'derived_macaroon')
      throw new AppError('DERIVED_TOKEN_FORMAT', 'The raw key has the shape of a derived token (JWT or macaroon) and cannot be imported.');
  } else sha256 = parseSha256(b.sha256 as string);
  return {
    rawKey,
    sha256,
    name,
    actorId,
    scopes: cleanScopes(b.scopes),
    metadata: cleanMetadata(b.metadata),
    ttlMs: resolveTtl(b.ttl, ctx.defaultTtlMs, ctx.maxTtlMs),
    rateLimit: cleanRateLimit(b.rate_limit_policy),
    allowedCidrs: cleanCidrs(b.ip_restriction?.allowed_cidrs),
    visibility: parseVisibility(b.visibility),
    requestId: cleanText(b.request_id, 'request_id'),
  };
}

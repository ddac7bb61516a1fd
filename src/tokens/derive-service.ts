import { AppError, invalidArgument } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import { parseTtl } from '../shared/duration.js';
import type { IdSource } from '../shared/ids.js';
import type { KeyReader, LegacyHashUpgrader } from '../store/ports.js';
import type { VerifyPipeline } from '../verify/pipeline.js';
import { signJws } from './jws-sign.js';
import { cleanCustomClaims, type DerivedClaims } from './jwt-claims.js';
import { mintMacaroon } from './macaroon/mint-macaroon.js';

export interface DeriveInput {
  credential: string;
  algorithm: 'jwt' | 'macaroon';
  ttl?: string;
  scopes?: string[];
  customClaims?: Record<string, unknown>;
}

export interface DerivedToken {
  token: string;
  expiresAt: number;
  scopes: string[];
  claims: DerivedClaims;
}

/**
 * Exchanges a long-lived key for a short-lived, narrower token (a JWT, or a macaroon: macaroon/). Every check happens before signing:
 * the parent is verified fresh from the store (no cache), must be an issued or imported key that is
 * active; scopes ⊆ the parent's; TTL ≤ the parent's remaining life and the project maximum.
 */
export class DeriveService {
  constructor(
    private readonly pipeline: VerifyPipeline,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  async derive(ctx: ProjectContext, keys: KeyReader & LegacyHashUpgrader, input: DeriveInput): Promise<DerivedToken> {
    const custom = cleanCustomClaims(input.customClaims);
    const parent = await this.pipeline.loadParent(ctx, keys, input.credential);
    if (
      !parent.key ||
      parent.type === 'derived_jwt' ||
      parent.type === 'derived_macaroon' ||
      parent.error === 'VERIFICATION_ERROR_NOT_FOUND' ||
      parent.error === 'VERIFICATION_ERROR_INVALID_FORMAT'
    )
      throw new AppError('PARENT_KEY_INVALID', 'The parent credential does not verify.');
    if (parent.error === 'VERIFICATION_ERROR_REVOKED') throw new AppError('API_KEY_REVOKED', 'The parent key is revoked.');
    if (parent.error === 'VERIFICATION_ERROR_EXPIRED') throw new AppError('API_KEY_EXPIRED', 'The parent key has expired.');
    if (!parent.valid) throw new AppError('PARENT_KEY_INVALID', 'The parent credential does not verify.');
    const key = parent.key;

    const requested = input.scopes ?? [];
    const missing = requested.filter((s) => !key.scopes.includes(s));
    if (missing.length) throw new AppError('SCOPE_NOT_ALLOWED', 'A requested scope is not held by the parent key.', { scope: missing[0].slice(0, 128) });
    const scopes = requested.length ? [...new Set(requested)] : key.scopes;

    const now = this.clock.now();
    let ttlMs = ctx.derivedTtlMs;
    if (input.ttl !== undefined && input.ttl !== '') {
      const ttl = parseTtl(input.ttl);
      if (!ttl.ok) throw new AppError('INVALID_TTL', `ttl: ${ttl.reason}`, { field: 'ttl' });
      ttlMs = ttl.ms;
    }
    const remaining = key.expiresAt === null ? Number.POSITIVE_INFINITY : key.expiresAt - now;
    if (ttlMs > remaining) throw new AppError('INVALID_TTL', "ttl exceeds the parent key's remaining lifetime.", { field: 'ttl' });
    if (ttlMs > ctx.maxTtlMs) throw new AppError('INVALID_TTL', 'ttl exceeds the project maximum.', { field: 'ttl' });

    const signer = ctx.signing.current;
    if (!signer && input.algorithm === 'jwt') throw new AppError('API_KEYS_NOT_ENABLED', 'The project has no signing key: enable API keys first.');
    const iat = Math.floor(now / 1000);
    const claims: DerivedClaims = {
      ...custom,
      jti: this.ids.uuid(),
      sub: key.keyId,
      iss: ctx.issuer,
      iat,
      nbf: iat,
      exp: iat + Math.floor(ttlMs / 1000),
      act: key.actorId ?? '',
      scp: scopes,
      meta: key.metadata,
      nid: ctx.id,
      vis: key.visibility,
      ...(key.allowedCidrs.length ? { acl: key.allowedCidrs } : {}),
    };
    if (claims.exp <= iat) throw invalidArgument('ttl must be at least 1s.', 'ttl');
    const token = input.algorithm === 'macaroon' || !signer ? mintMacaroon(ctx, claims) : signJws(signer.alg, signer.kid, signer.key, claims);
    return { token, expiresAt: claims.exp * 1000, scopes, claims };
  }
}

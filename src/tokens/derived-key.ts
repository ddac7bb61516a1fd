import type { VerifiableKey } from '../store/records.js';

/**
 * A derived token's sealed claims (JWT or macaroon) as the key-shaped view the rest of the pipeline
 * reads: the IP step checks `allowedCidrs` exactly like a key's allowlist, the response shows the rest.
 * `scopes`, `expiresAt` and `allowedCidrs` come from the caller, which may have narrowed them (macaroon caveats).
 */
export function derivedKey(claims: Record<string, unknown>, view: Pick<VerifiableKey, 'scopes' | 'expiresAt' | 'allowedCidrs'>): VerifiableKey {
  return {
    keyId: String(claims.sub),
    kind: 'issued',
    actorId: typeof claims.act === 'string' && claims.act ? claims.act : null,
    metadata: claims.meta && typeof claims.meta === 'object' && !Array.isArray(claims.meta) ? (claims.meta as Record<string, unknown>) : {},
    status: 'active',
    visibility: claims.vis === 'public' ? 'public' : 'secret',
    lookupHash: null,
    rateLimit: null,
    ...view,
  };
}

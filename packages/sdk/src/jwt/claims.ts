/**
 * The claims Keysmith seals into a derived JWT (SPEC §1). Custom claims given at derive time sit
 * beside them; the server strips reserved names from those, so these fields are always its own.
 */
export interface KeysmithJwtClaims {
  /** Unique token id (UUID). */
  jti: string;
  /** The parent key's key_id. */
  sub: string;
  /** The project's issuer URL. */
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  /** The parent key's actor_id ('' when it has none). */
  act: string;
  /** Scopes granted to this token (⊆ the parent's). */
  scp: string[];
  /** The parent key's metadata. */
  meta: Record<string, unknown>;
  /** The project id. */
  nid: string;
  /** Visibility of the parent key. */
  vis: 'secret' | 'public';
  /** The parent key's allowed CIDRs, when it has an IP restriction. */
  acl?: string[];
  aud?: string | string[];
  [custom: string]: unknown;
}

/** Checks the shape of the sealed claims after the signature verified (a foreign issuer's token may lack them). */
export function isKeysmithClaims(p: Record<string, unknown>): p is KeysmithJwtClaims {
  return (
    typeof p.sub === 'string' &&
    typeof p.nid === 'string' &&
    (p.act === undefined || typeof p.act === 'string') &&
    (p.scp === undefined || (Array.isArray(p.scp) && p.scp.every((s) => typeof s === 'string'))) &&
    (p.acl === undefined || (Array.isArray(p.acl) && p.acl.every((s) => typeof s === 'string')))
  );
}

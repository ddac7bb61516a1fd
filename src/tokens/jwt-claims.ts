import type { KeysmithJwtClaims } from '../../packages/sdk/src/jwt/claims.js';
import { RESERVED_CLAIMS } from '../../packages/sdk/src/reserved-claims.js';
import { invalidArgument } from '../errors/app-error.js';

export const CUSTOM_CLAIMS_MAX_BYTES = 4096;

/** The caller's custom claims without reserved names; over 4 KB serialised → 400. */
export function cleanCustomClaims(custom: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!custom) return {};
  const size = Buffer.byteLength(JSON.stringify(custom));
  if (size > CUSTOM_CLAIMS_MAX_BYTES)
    throw invalidArgument(`custom_claims must be at most ${CUSTOM_CLAIMS_MAX_BYTES} bytes serialised (got ${size}).`, 'custom_claims');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(custom)) if (!RESERVED_CLAIMS.has(k) && k !== '__proto__') out[k] = v;
  return out;
}

/** The sealed claims of a derived token (JWT and macaroon alike): the SDK's type, one definition. */
export type DerivedClaims = KeysmithJwtClaims;

import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { ProjectContext } from '../projects/project-context.js';
import { derivedKey } from './derived-key.js';
import { fail, type VerifyOutcome } from '../verify/verify-result.js';

const invalid = (message: string) => fail('derived_jwt', 'VERIFICATION_ERROR_SIGNATURE_INVALID', message);

/**
 * Stateless verification of a derived JWT (no store access): the project named in `nid` must be the
 * caller's (another project's token is NOT_FOUND, like its keys), then kid → one of the project's
 * published keys with its own algorithm, signature, exp/nbf with the project's clock skew, issuer
 * current or retired-and-unexpired. The result carries the sealed claims as a key-shaped view
 * (derived-key.ts).
 */
export async function verifyDerivedJwt(ctx: ProjectContext, token: string, now: number): Promise<VerifyOutcome> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    return fail('derived_jwt', 'VERIFICATION_ERROR_INVALID_FORMAT', 'The token is not a well-formed JWT.');
  }
  if (unverified.nid !== ctx.id) return fail('derived_jwt', 'VERIFICATION_ERROR_NOT_FOUND', 'The derived token is not valid for this project.');
  const published = typeof header.kid === 'string' ? ctx.signing.publicKeys.get(header.kid) : undefined;
  if (!published || header.alg !== published.alg) return invalid('The token is not signed by a key of this project.');
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, published.key, {
      algorithms: [published.alg],
      clockTolerance: Math.floor(ctx.clockSkewMs / 1000),
      currentDate: new Date(now),
      requiredClaims: ['exp', 'nbf', 'iat', 'sub', 'iss', 'nid'],
    }));
  } catch (e) {
    if (e instanceof errors.JWTExpired) return fail('derived_jwt', 'VERIFICATION_ERROR_EXPIRED', 'The derived token has expired.');
    return invalid('The token signature or claims do not verify.');
  }
  const issuerOk = ctx.issuers.some((i) => i.value === claims.iss && (i.expiresAt === null || now < i.expiresAt));
  if (!issuerOk) return invalid('The token issuer is not accepted by this project.');
  const key = derivedKey(claims, {
    scopes: Array.isArray(claims.scp) ? claims.scp.map(String) : [],
    expiresAt: Number(claims.exp) * 1000,
    allowedCidrs: Array.isArray(claims.acl) ? claims.acl.map(String) : [],
  });
  return { valid: true, type: 'derived_jwt', key };
}

import { AppError } from '../../errors/app-error.js';
import type { ProjectContext } from '../../projects/project-context.js';
import {
  encodeClaimsCaveat,
  formatMacaroonToken,
  initialSignature,
  chainSignature,
  MAX_TOKEN_CHARS,
  MacaroonFormatError,
} from '../../../packages/sdk/src/macaroon/index.js';
import type { DerivedClaims } from '../jwt-claims.js';
import { macaroonSigningKeyFor } from './root-key.js';

/**
 * A derived macaroon (SPEC §1): identifier = the token's jti, one first-party caveat carrying the
 * sealed claims, signed under the root key of the project's current HMAC secret. No location: it is
 * unsigned in libmacaroons, so Keysmith would never trust it anyway.
 */
export function mintMacaroon(ctx: ProjectContext, claims: DerivedClaims): string {
  const secret = ctx.hmacSecrets[0];
  if (!secret) throw new AppError('API_KEYS_NOT_ENABLED', 'The project has no HMAC secret: enable API keys first.');
  const identifier = Buffer.from(claims.jti, 'utf8');
  const claimsCaveat = encodeClaimsCaveat(claims);
  const signature = chainSignature(initialSignature(macaroonSigningKeyFor(secret.key), identifier), claimsCaveat);
  try {
    return formatMacaroonToken(ctx.macaroonPrefixes[0], { identifier, caveats: [{ id: claimsCaveat }], signature });
  } catch (e) {
    // The only way to overflow is large metadata plus custom claims: the token could never be verified.
    if (e instanceof MacaroonFormatError)
      throw new AppError('INVALID_ARGUMENT', `The macaroon would exceed ${MAX_TOKEN_CHARS} characters; send fewer custom claims.`, { field: 'custom_claims' });
    throw e;
  }
}

/**
 * Stable reasons a derived JWT is refused. Branch on `code`; messages are for humans and may change.
 * - `malformed`: not a compact JWS, unreadable header/claims, or a required claim missing
 * - `signature_invalid`: bad signature, disallowed algorithm, or no published key has its `kid`
 * - `expired` / `not_yet_valid`: `exp` / `nbf` outside now ± clock tolerance
 * - `wrong_issuer` / `wrong_audience`: `iss` / `aud` not one of the accepted values
 * - `wrong_project`: `nid` is not the expected project id
 * - `ip_not_allowed`: the token carries an `acl` and the client IP is outside it (or unknown)
 * - `jwks_unavailable`: no key set could be fetched and none is cached
 */
export type JwtErrorCode =
  | 'malformed'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_project'
  | 'ip_not_allowed'
  | 'jwks_unavailable';

export class JwtVerificationError extends Error {
  override readonly name = 'JwtVerificationError';
  readonly code: JwtErrorCode;

  constructor(code: JwtErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

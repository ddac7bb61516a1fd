/**
 * Stable reasons a derived JWT is refused. Branch on `code`; messages are for humans and may change.
 * - `malformed`: not a compact JWS (three canonical base64url segments), a header that is not a JSON
 *   object with string `alg` and `kid`, a `crit` header, unreadable claims, or a required claim
 *   missing or not a number
 * - `signature_invalid`: bad signature, an algorithm not allowed (`none`, HS256, …), or no published
 *   key of the header's algorithm has its `kid`
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

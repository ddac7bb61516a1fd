// Bounds of a Keysmith macaroon. Where the numbers come from:
// - the verify endpoint accepts credentials of at most 8192 characters, so the base64url body of a
//   token is at most ~8170 characters, i.e. ≤ 6144 bytes of binary (4 characters per 3 bytes);
// - one claims caveat plus at most 32 holder caveats keeps verification to ≤ 34 HMACs per secret.

/** Upper bound of the binary encoding (bytes). */
export const MAX_MACAROON_BYTES = 6144;
/** Upper bound of the whole token string, `<prefix>_v1_<base64url>` (the verify request's maxLength). */
export const MAX_TOKEN_CHARS = 8192;
/** Caveats a holder may append after the claims caveat. */
export const MAX_HOLDER_CAVEATS = 32;
/** All first-party caveats of one macaroon: the claims caveat plus the holder caveats. */
export const MAX_CAVEATS = MAX_HOLDER_CAVEATS + 1;
/** One holder caveat, UTF-8 bytes. */
export const MAX_HOLDER_CAVEAT_BYTES = 1024;
/** The identifier (Keysmith writes the token's jti, a UUID). */
export const MAX_IDENTIFIER_BYTES = 256;
/** libmacaroons signatures are HMAC-SHA256 outputs. */
export const SIGNATURE_BYTES = 32;
/** CIDR ranges across all `cidr ⊆` caveats of one macaroon (bounds the server's intersection work). */
export const MAX_CAVEAT_CIDRS = 128;

// Keysmith macaroons: the libmacaroons v2 codec, signatures, the claims caveat and the holder caveat
// language. Dependency-free (node:crypto, node:net); the server imports this same code to mint and verify.
export { attenuateMacaroon } from './attenuate.js';
export { decodeMacaroonV2, encodeMacaroonV2, type MacaroonCaveat, type MacaroonV2 } from './binary-v2.js';
export { type ClaimValue, checkCidr, formatHolderCaveat, type HolderCaveat, NON_CUSTOM_CLAIMS, parseHolderCaveat } from './caveat-language.js';
export { CLAIMS_CAVEAT_PREFIX, decodeClaimsCaveat, encodeClaimsCaveat, isClaimsCaveat } from './claims-caveat.js';
export { MacaroonFormatError } from './format-error.js';
export * from './limits.js';
export { chainSignature, initialSignature, macaroonSigningKey, signatureMatches } from './signature.js';
export { decodeMacaroonBody, formatMacaroonToken, parseMacaroonToken } from './token-string.js';

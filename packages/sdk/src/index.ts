// @keysmith/sdk — the public surface. Everything is a named export from this one entry point; the
// middleware needs no express/fastify at runtime (structural types only), and jose is the only dependency.

export { ImportedKeysApi } from './client/imported-keys-api.js';
export { IssuedKeysApi } from './client/issued-keys-api.js';
export { type ClientSideReason, KeysmithError, type KeysmithErrorInit } from './client/keysmith-error.js';
export { KeysmithClient, type KeysmithClientOptions } from './client/keysmith-client.js';
export type { CallOptions, FetchLike } from './client/transport.js';
export type * from './client/wire-types.js';
export type { KeysmithJwtClaims } from './jwt/claims.js';
export { JwksCache, type JwksCacheOptions, type JwksSnapshot } from './jwt/jwks-cache.js';
export { clearJwksCaches, jwksCacheFor } from './jwt/jwks-registry.js';
export { type JwtErrorCode, JwtVerificationError } from './jwt/jwt-verification-error.js';
export { type KeysmithJwtAlgorithm, type VerifyJwtOptions, verifyJwt } from './jwt/verify-jwt.js';
export { attenuateMacaroon, type HolderCaveat, MacaroonFormatError } from './macaroon/index.js';
export { type AuthOutcome, credentialOf, type KeysmithAuthOptions, type KeysmithPrincipal } from './middleware/authenticate.js';
export { type ExpressLikeRequest, type ExpressLikeResponse, keysmithExpress, type NextFunction } from './middleware/express.js';
export { type FastifyLikeInstance, type FastifyLikeReply, type FastifyLikeRequest, keysmithFastify, keysmithPreHandler } from './middleware/fastify.js';

import { KeysmithError } from '../client/keysmith-error.js';
import type { KeysmithClient } from '../client/keysmith-client.js';
import type { VerifyApiKeyResponse } from '../client/wire-types.js';
import type { KeysmithJwtClaims } from '../jwt/claims.js';
import { JwtVerificationError } from '../jwt/jwt-verification-error.js';
import { type VerifyJwtOptions, verifyJwt } from '../jwt/verify-jwt.js';

const DERIVED_JWT = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface KeysmithAuthOptions {
  /** Verifies API keys (and anything not verified locally) through `apiKeys:verify`. */
  client?: KeysmithClient;
  /** Verifies derived JWTs locally with verifyJwt; without it they go to the server too. `clientIp` is set per request. */
  jwt?: Omit<VerifyJwtOptions, 'clientIp'>;
  /** Header carrying the credential (default `authorization`, as `Bearer <credential>`); any other header holds it raw. */
  header?: string;
  /** Every one of these scopes must be granted, else 403. */
  requiredScopes?: string[];
  /**
   * Send the client IP to the server as `X-Forwarded-For` so key IP restrictions see the caller, not
   * this service. Only meaningful when the project trusts that header; default false.
   */
  forwardClientIp?: boolean;
  /** Called with errors that are not the caller's fault (server unreachable, bad admin token). */
  onError?: (error: unknown) => void;
}

/** What the middleware puts on `request.keysmith`. */
export interface KeysmithPrincipal {
  /** `jwt` when verified locally; `api_key` when verified by the server (keys, macaroons, JWTs without `jwt` options). */
  type: 'jwt' | 'api_key';
  keyId: string;
  actorId: string;
  scopes: string[];
  metadata: Record<string, unknown>;
  /** Present when `type` is `jwt`. */
  claims?: KeysmithJwtClaims;
  /** Present when `type` is `api_key`: the whole verify answer (rate limit figures, expiry, …). */
  verification?: VerifyApiKeyResponse;
}

/** The outcome of one authentication; the framework adapters turn failures into HTTP answers. */
export type AuthOutcome =
  | { ok: true; principal: KeysmithPrincipal }
  | { ok: false; httpStatus: 401 | 403 | 429 | 503; reason: string; message: string; detail?: string };

/** The credential in the configured header, or undefined. A malformed Authorization header counts as none. */
export function credentialOf(headers: Record<string, string | string[] | undefined>, header = 'authorization'): string | undefined {
  const name = header.toLowerCase();
  let raw = headers[name];
  if (Array.isArray(raw)) raw = raw[0];
  if (typeof raw !== 'string') return undefined;
  raw = raw.trim();
  if (name === 'authorization') {
    const m = /^Bearer[ \t]+(\S+)$/i.exec(raw);
    return m ? m[1] : undefined;
  }
  return raw || undefined;
}

/** Framework-neutral core shared by the Express and Fastify adapters. */
export function createAuthenticator(
  opts: KeysmithAuthOptions,
): (headers: Record<string, string | string[] | undefined>, clientIp: string | undefined) => Promise<AuthOutcome> {
  if (!opts.client && !opts.jwt) throw new TypeError('keysmith middleware needs `client`, `jwt`, or both');
  const required = opts.requiredScopes ?? [];

  const withScopes = (principal: KeysmithPrincipal): AuthOutcome => {
    const missing = required.filter((s) => !principal.scopes.includes(s));
    if (missing.length) return { ok: false, httpStatus: 403, reason: 'SCOPE_MISSING', message: 'The credential lacks a required scope.', detail: missing[0] };
    return { ok: true, principal };
  };

  return async (headers, clientIp) => {
    const credential = credentialOf(headers, opts.header);
    if (!credential) return { ok: false, httpStatus: 401, reason: 'CREDENTIAL_MISSING', message: 'A credential is required.' };
    if (opts.jwt && DERIVED_JWT.test(credential)) {
      try {
        const claims = await verifyJwt(credential, { ...opts.jwt, clientIp: clientIp ?? null });
        return withScopes({ type: 'jwt', keyId: claims.sub, actorId: claims.act ?? '', scopes: claims.scp ?? [], metadata: claims.meta ?? {}, claims });
      } catch (e) {
        if (e instanceof JwtVerificationError && e.code !== 'jwks_unavailable')
          return { ok: false, httpStatus: 401, reason: 'CREDENTIAL_INVALID', message: 'The credential is not valid.', detail: e.code };
        opts.onError?.(e);
        return { ok: false, httpStatus: 503, reason: 'VERIFIER_UNAVAILABLE', message: 'The credential cannot be verified right now.' };
      }
    }
    if (!opts.client) return { ok: false, httpStatus: 401, reason: 'CREDENTIAL_INVALID', message: 'The credential is not valid.', detail: 'malformed' };
    let v: VerifyApiKeyResponse;
    try {
      const headersOut = opts.forwardClientIp && clientIp ? { 'x-forwarded-for': clientIp } : undefined;
      v = await opts.client.verify(credential, headersOut ? { headers: headersOut } : undefined);
    } catch (e) {
      // A malformed credential (too long, say) is the caller's problem; anything else is ours.
      if (e instanceof KeysmithError && e.code === 400)
        return {
          ok: false,
          httpStatus: 401,
          reason: 'CREDENTIAL_INVALID',
          message: 'The credential is not valid.',
          detail: 'VERIFICATION_ERROR_INVALID_FORMAT',
        };
      opts.onError?.(e);
      return { ok: false, httpStatus: 503, reason: 'VERIFIER_UNAVAILABLE', message: 'The credential cannot be verified right now.' };
    }
    if (v.error_code === 'VERIFICATION_ERROR_RATE_LIMITED')
      return { ok: false, httpStatus: 429, reason: 'RATE_LIMITED', message: 'The credential is over its rate limit.', detail: v.error_code };
    // Security: every refusal is the same 401; only the server's error_code says which (it already collapses oracles).
    if (!v.is_valid) return { ok: false, httpStatus: 401, reason: 'CREDENTIAL_INVALID', message: 'The credential is not valid.', detail: v.error_code };
    return withScopes({
      type: 'api_key',
      keyId: v.key_id ?? '',
      actorId: v.actor_id ?? '',
      scopes: v.scopes ?? [],
      metadata: v.metadata ?? {},
      verification: v,
    });
  };
}

/** The small AIP-193-shaped JSON body of a refusal, and its headers. */
export function refusal(out: Extract<AuthOutcome, { ok: false }>): { status: number; headers: Record<string, string>; body: string } {
  const status = { 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE' }[out.httpStatus];
  const body = {
    error: {
      code: out.httpStatus,
      status,
      message: out.message,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: out.reason,
          domain: 'keysmith',
          ...(out.detail ? { metadata: { [out.httpStatus === 403 ? 'scope' : 'code']: out.detail } } : {}),
        },
      ],
    },
  };
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (out.httpStatus === 401) headers['www-authenticate'] = out.reason === 'CREDENTIAL_MISSING' ? 'Bearer' : 'Bearer error="invalid_token"';
  if (out.httpStatus === 403) headers['www-authenticate'] = 'Bearer error="insufficient_scope"';
  return { status: out.httpStatus, headers, body: JSON.stringify(body) };
}

import type { CredentialType } from '../keys/key-format.js';
import type { VerifiableKey } from '../store/records.js';
import type { RateLimitNote } from './rate-limit-step.js';

export type VerificationError =
  | 'VERIFICATION_ERROR_INVALID_FORMAT'
  | 'VERIFICATION_ERROR_EXPIRED'
  | 'VERIFICATION_ERROR_REVOKED'
  | 'VERIFICATION_ERROR_NOT_FOUND'
  | 'VERIFICATION_ERROR_SIGNATURE_INVALID'
  | 'VERIFICATION_ERROR_INTERNAL'
  | 'VERIFICATION_ERROR_IP_NOT_ALLOWED'
  | 'VERIFICATION_ERROR_RATE_LIMITED';

/** The outcome of one verification, before serialisation. `key` is set whenever the record was found. */
export interface VerifyOutcome {
  valid: boolean;
  type: CredentialType | 'empty';
  key?: VerifiableKey;
  error?: VerificationError;
  message?: string;
  /** Whether the record came from the verify cache (response header Ory-Talos-Cache). */
  cache?: 'HIT' | 'MISS' | 'SKIP';
  /** The key's rate-limit policy and, when enforced, the limiter's decision (rate-limit-step.ts). */
  rateLimit?: RateLimitNote;
}

export const fail = (type: VerifyOutcome['type'], error: VerificationError, message: string, key?: VerifiableKey): VerifyOutcome => ({
  valid: false,
  type,
  error,
  message,
  key,
});

export const MESSAGES = {
  notFound: 'The API key was not found.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
  empty: 'The credential is empty.',
  derived: 'The derived token is not valid for this project.',
  ipNotAllowed: 'The API key may not be used from this IP address.',
  rateLimited: 'The API key has exceeded its rate limit.',
} as const;

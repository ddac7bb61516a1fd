import type { CredentialType } from '../keys/key-format.js';
import type { VerifiableKey } from '../store/records.js';
import { fail, MESSAGES, type VerifyOutcome } from './verify-result.js';

/** Status is checked before expiry (a revoked, expired key reports REVOKED, as Talos). */
export function checkRecord(type: CredentialType, key: VerifiableKey | undefined, now: number): VerifyOutcome {
  if (!key) return fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.notFound);
  if (key.status === 'revoked') return fail(type, 'VERIFICATION_ERROR_REVOKED', MESSAGES.revoked, key);
  if (key.expiresAt !== null && key.expiresAt <= now) return fail(type, 'VERIFICATION_ERROR_EXPIRED', MESSAGES.expired, key);
  return { valid: true, type, key };
}

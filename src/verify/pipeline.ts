import { isWellFormed } from '../keys/import-input.js';
import { type IssuedKeyParts, routeCredential } from '../keys/key-format.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { KeyReader, LegacyHashUpgrader } from '../store/ports.js';
import { checkRecord } from './check-record.js';
import { importedKeyHash, legacyKeyHash } from './imported-hash.js';
import { proveIssuedKey } from './prove-issued.js';
import { fail, MESSAGES, type VerifyOutcome } from './verify-result.js';

/**
 * Verification of one credential, top to bottom:
 * classify → prove possession → load the record → status → expiry → result.
 * (Cache, IP allowlist and rate limit steps slot in between load and result; see docs/architecture.md.)
 */
export class VerifyPipeline {
  constructor(private readonly clock: Clock) {}

  async verify(ctx: ProjectContext, keys: KeyReader & LegacyHashUpgrader, credential: string): Promise<VerifyOutcome> {
    if (credential.length === 0) return fail('empty', 'VERIFICATION_ERROR_INVALID_FORMAT', MESSAGES.empty);
    const now = this.clock.now();
    const { type, issued } = routeCredential(credential, ctx.macaroonPrefixes);
    switch (type) {
      case 'issued': {
        const keyId = proveIssuedKey(ctx, issued as IssuedKeyParts, now);
        if (!keyId) return fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.notFound);
        const key = await keys.getById(keyId);
        return checkRecord(type, key?.kind === 'issued' ? key : undefined, now);
      }
      case 'imported': {
        // Security: not well-formed Unicode cannot be an imported key (refused at import) — and hashing
        // it would map a lone surrogate to U+FFFD, i.e. onto another key.
        if (!isWellFormed(credential)) return fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.notFound);
        const tenantHash = importedKeyHash(ctx.id, credential);
        const legacy = legacyKeyHash(credential);
        const key = await keys.getByAnyLookupHash([tenantHash, legacy]);
        const outcome = checkRecord(type, key, now);
        // A key imported from a SHA-256 digest: possession is now proven, so bind it to the project
        // (one write per key, ever; off the response path, a failure just retries next time).
        if (outcome.valid && key?.lookupHash === legacy) void keys.upgradeLookupHash(key.keyId, legacy, tenantHash).catch(() => {});
        return outcome;
      }
      default:
        // Derived JWTs and macaroons are verified statelessly once derivation ships; until then no
        // derived token can be valid for this project.
        return fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.derived);
    }
  }
}

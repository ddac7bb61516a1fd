import { type CredentialType, type IssuedKeyParts, routeCredential } from '../keys/key-format.js';
import type { ProjectContext } from '../projects/project-context.js';
import { ProofMemo } from './proof-memo.js';
import { proveIssuedKey } from './prove-issued.js';

export interface Routed {
  type: CredentialType;
  /** Issued keys: the key_id when possession is proven, null when not. Other types: null. */
  keyId: string | null;
}

/**
 * The first two steps of every verification: classify the credential by shape (SPEC §1), and for issued
 * keys prove possession (prefix, checksum, timestamp bounds) — remembering recent proofs (proof-memo.ts)
 * so a key verified again skips the parse and the HMAC. CPU only; no store access.
 */
export class CredentialProver {
  constructor(private readonly memo: ProofMemo | null) {}

  route(ctx: ProjectContext, credential: string, now: number): Routed {
    const digest = this.memo && ProofMemo.candidate(credential) ? ProofMemo.digest(credential) : null;
    if (digest !== null) {
      const keyId = this.memo?.recall(ctx, digest, now);
      if (keyId !== undefined) return { type: 'issued', keyId };
    }
    const { type, issued } = routeCredential(credential, ctx.macaroonPrefixes);
    if (type !== 'issued') return { type, keyId: null };
    const parts = issued as IssuedKeyParts;
    const keyId = proveIssuedKey(ctx, parts, now);
    if (keyId !== null && digest !== null) this.memo?.remember(ctx, digest, keyId, parts.timestampSec, now);
    return { type, keyId };
  }
}

import { isWellFormed } from '../keys/import-input.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { KeyReader, LegacyHashUpgrader } from '../store/ports.js';
import type { VerifiableKey } from '../store/records.js';
import { verifyDerivedMacaroon } from '../tokens/macaroon/verify-macaroon.js';
import { verifyDerivedJwt } from '../tokens/verify-jwt.js';
import { type CacheMode, CachedKeyLookup, type CachePolicy } from './cached-lookup.js';
import { checkRecord } from './check-record.js';
import { IpAllowlist } from './ip-allowlist.js';
import { importedKeyHash, legacyKeyHash } from './imported-hash.js';
import { CredentialProver } from './credential-prover.js';
import type { ProofMemo } from './proof-memo.js';
import type { RateLimitStep } from './rate-limit-step.js';
import { fail, MESSAGES, type VerifyOutcome } from './verify-result.js';

/** The optional steps and helpers of a pipeline; each absent one is simply skipped. */
export interface PipelineSteps {
  /** The verify cache (and negative filter) in front of the store. */
  cache?: CachePolicy | null;
  /** Successful uses of stored keys, for the coalesced last_used_time writes. */
  lastUsed?: { note(projectId: string, keyId: string, at: number): void } | null;
  /** Per-key GCRA budget, after the IP check (rate-limit-step.ts); null = policies not enforced. */
  rateLimit?: RateLimitStep | null;
  /** Recently proven issued keys (proof-memo.ts); null = every verify re-checks the checksum. */
  proofMemo?: ProofMemo | null;
}

/**
 * Verification of one credential, top to bottom:
 * classify → prove possession → load the record → status → expiry → client IP vs allowlist → rate
 * limit (rate-limit-step.ts) → result.
 */
export class VerifyPipeline {
  private readonly allowlist = new IpAllowlist();

  private readonly lookup: CachedKeyLookup;

  private readonly prover: CredentialProver;

  private readonly lastUsed: PipelineSteps['lastUsed'];

  private readonly rateLimit: RateLimitStep | null;

  constructor(
    private readonly clock: Clock,
    steps: PipelineSteps = {},
  ) {
    this.lookup = new CachedKeyLookup(steps.cache ?? null);
    this.prover = new CredentialProver(steps.proofMemo ?? null);
    this.lastUsed = steps.lastUsed ?? null;
    this.rateLimit = steps.rateLimit ?? null;
  }

  /**
   * `clientIp`: the caller's address as the project's client-IP policy resolved it (verify/client-ip.ts);
   * null = unknown, which IP-restricted keys refuse. `mode`: the request's cache directives.
   */
  async verify(
    ctx: ProjectContext,
    keys: KeyReader & LegacyHashUpgrader,
    credential: string,
    clientIp: string | null,
    mode: CacheMode = 'use',
  ): Promise<VerifyOutcome> {
    const checked = this.checkIp(await this.load(ctx, keys, credential, mode), clientIp);
    const limited = this.rateLimit ? this.rateLimit.apply(ctx, checked) : checked;
    return this.used(ctx, limited instanceof Promise ? await limited : limited);
  }

  private used(ctx: ProjectContext, o: VerifyOutcome): VerifyOutcome {
    if (o.valid && o.key && (o.type === 'issued' || o.type === 'imported')) this.lastUsed?.note(ctx.id, o.key.keyId, this.clock.now());
    return o;
  }

  /**
   * Batch verify (1–100 credentials, order kept): every credential is routed and proven first (CPU
   * only), then all issued keys are fetched with one query and all imported keys with another, then
   * each result gets the same status, expiry and IP checks as a single verify.
   */
  async verifyBatch(
    ctx: ProjectContext,
    keys: KeyReader & LegacyHashUpgrader,
    credentials: readonly string[],
    clientIp: string | null,
    mode: CacheMode = 'use',
  ): Promise<VerifyOutcome[]> {
    const now = this.clock.now();
    const pending = credentials.map((credential) => this.prove(ctx, credential, now));
    // Cache first, for every item; then one query per credential type for what is left.
    const byId = new Map<string, VerifiableKey>();
    const byHash = new Map<string, VerifiableKey>();
    const ids = new Set<string>();
    const hashes = new Set<string>();
    for (const p of pending) {
      if ('keyId' in p) {
        const hit = this.lookup.peekId(ctx, p.keyId, mode);
        if (hit) byId.set(p.keyId, hit);
        else ids.add(p.keyId);
      } else if ('hashes' in p) {
        const hit = this.lookup.peekHash(ctx, p.hashes[0], mode);
        if (hit) byHash.set(p.hashes[0], hit);
        // Absent from the negative cache (ADR 0009): NOT_FOUND below, without a place in the query.
        else if (!this.lookup.knownAbsent(ctx, keys, p.hashes, mode)) for (const h of p.hashes) hashes.add(h);
      }
    }
    const ticket = this.lookup.ticket(); // rows an invalidation overtakes during the queries are not cached
    const [rowsById, rowsByHash] = await Promise.all([keys.getManyByIds([...ids]), keys.getManyByLookupHashes([...hashes])]);
    for (const k of rowsById)
      if (k.kind === 'issued') {
        byId.set(k.keyId, k);
        this.lookup.remember(ctx, k, mode, now, undefined, ticket);
      }
    for (const k of rowsByHash) {
      byHash.set(k.lookupHash as string, k);
      this.lookup.remember(ctx, k, mode, now, k.lookupHash as string, ticket);
    }
    const decided = await Promise.all(pending.map((p) => ('outcome' in p ? p.outcome : undefined)));
    const checked = pending.map((p, i) => {
      if ('outcome' in p) return this.checkIp(decided[i] as VerifyOutcome, clientIp);
      if ('keyId' in p) return this.checkIp(checkRecord('issued', byId.get(p.keyId), now), clientIp);
      const key = byHash.get(p.hashes[0]) ?? byHash.get(p.hashes[1]);
      const outcome = checkRecord('imported', key, now);
      if (outcome.valid && key) rehashIfLegacy(keys, key, p.hashes);
      return this.checkIp(outcome, clientIp);
    });
    // Rate limits in item order: two items with the same key consume two units.
    const limited = this.rateLimit ? checked.map((o) => (this.rateLimit as RateLimitStep).apply(ctx, o)) : checked;
    return (await Promise.all(limited)).map((o) => this.used(ctx, o));
  }

  /** The last step of every verification: the key's IP allowlist against the client address. */
  private checkIp(outcome: VerifyOutcome, clientIp: string | null): VerifyOutcome {
    if (!outcome.valid || !outcome.key) return outcome;
    // Security: the response says only that the address is not allowed, never which ranges are.
    if (!this.allowlist.allows(outcome.key.allowedCidrs, clientIp))
      return { ...fail(outcome.type, 'VERIFICATION_ERROR_IP_NOT_ALLOWED', MESSAGES.ipNotAllowed, outcome.key), cache: outcome.cache };
    return outcome;
  }

  /** A derive parent: possession, record, status and expiry, fresh from the store — no IP check (the caller is a gateway). */
  loadParent(ctx: ProjectContext, keys: KeyReader & LegacyHashUpgrader, credential: string): Promise<VerifyOutcome> {
    return this.load(ctx, keys, credential, 'no-store');
  }

  /**
   * Steps 1–2 for one credential, CPU only: classify and prove possession. What is left is a stored key
   * to load (by key_id, or by its two lookup hashes) — or an outcome already decided: a failure, or a
   * derived token verified statelessly.
   */
  private prove(ctx: ProjectContext, credential: string, now: number): Proven {
    if (credential.length === 0) return { outcome: fail('empty', 'VERIFICATION_ERROR_INVALID_FORMAT', MESSAGES.empty) };
    const { type, keyId } = this.prover.route(ctx, credential, now);
    switch (type) {
      case 'issued':
        return keyId ? { keyId } : { outcome: fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.notFound) };
      case 'imported':
        // Security: not well-formed Unicode cannot be an imported key (refused at import) — and hashing
        // it would map a lone surrogate to U+FFFD, i.e. onto another key.
        if (!isWellFormed(credential)) return { outcome: fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.notFound) };
        return { hashes: [importedKeyHash(ctx.id, credential), legacyKeyHash(credential)] };
      case 'derived_jwt':
        return { outcome: verifyDerivedJwt(ctx, credential, now) };
      case 'derived_macaroon':
        return { outcome: verifyDerivedMacaroon(ctx, credential, now) };
      default:
        // Unreachable (every credential type is handled above); kept so a new type fails closed.
        return { outcome: fail(type, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.derived) };
    }
  }

  /** classify → prove possession → load the record → status → expiry (derived tokens: stateless). */
  private async load(ctx: ProjectContext, keys: KeyReader & LegacyHashUpgrader, credential: string, mode: CacheMode): Promise<VerifyOutcome> {
    const now = this.clock.now();
    const p = this.prove(ctx, credential, now);
    if ('outcome' in p) return p.outcome;
    if ('keyId' in p) {
      const { key, cache } = await this.lookup.byId(ctx, keys, p.keyId, mode, now);
      return { ...checkRecord('issued', key?.kind === 'issued' ? key : undefined, now), cache };
    }
    const { key, cache } = await this.lookup.byHashes(ctx, keys, p.hashes, mode, now);
    const outcome = { ...checkRecord('imported', key, now), cache };
    if (outcome.valid && key) rehashIfLegacy(keys, key, p.hashes);
    return outcome;
  }
}

/**
 * A key imported from a SHA-256 digest that just verified: possession is now proven, so bind it to the
 * project (one write per key, ever; off the response path, a failure just retries next time).
 */
function rehashIfLegacy(keys: LegacyHashUpgrader, key: VerifiableKey, [tenantHash, legacy]: readonly [string, string]): void {
  if (key.lookupHash === legacy) void keys.upgradeLookupHash(key.keyId, legacy, tenantHash).catch(() => {});
}

/** What `prove` leaves: an issued key to load by id, an imported key by its (tenant, legacy) hashes, or a decided outcome. */
type Proven = { keyId: string } | { hashes: [string, string] } | { outcome: VerifyOutcome | Promise<VerifyOutcome> };

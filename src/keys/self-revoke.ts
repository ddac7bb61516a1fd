import { LRUCache } from 'lru-cache';
import { AppError, invalidArgument, keyNotFound } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { KeyStore } from '../store/ports.js';
import type { RevocationReason } from '../store/records.js';
import type { VerifyPipeline } from '../verify/pipeline.js';
import type { KeyLifecycle } from './key-lifecycle.js';

const FAILURES_PER_WINDOW = 10;
const WINDOW_MS = 60_000;

/**
 * Holder-initiated revocation on the public surface: the proof of possession is the key itself,
 * checked exactly like verify (checksum, hash, status). Security: failed attempts are counted per
 * client address (10 per minute, bounded table) so the endpoint is no key-guessing oracle and no
 * lever to flood the database; a success never counts. Unknown, foreign and mistyped keys are all 404.
 */
export class SelfRevocation {
  private readonly failures = new LRUCache<string, { count: number; since: number }>({ max: 50_000 });

  constructor(
    private readonly pipeline: VerifyPipeline,
    private readonly lifecycles: Record<'issued' | 'imported', KeyLifecycle>,
    private readonly clock: Clock,
  ) {}

  /** Returns the revoked key's id, and whether it was already revoked. */
  async revoke(
    ctx: ProjectContext,
    store: KeyStore,
    input: { credential: string; reason?: RevocationReason; clientIp: string | null },
  ): Promise<{ keyId: string; alreadyRevoked: boolean }> {
    if (!input.credential) throw new AppError('INVALID_ARGUMENT', 'credential is required.', { field: 'credential' });
    if (input.reason === 'PRIVILEGE_WITHDRAWN') throw invalidArgument('PRIVILEGE_WITHDRAWN is for administrators; a key holder cannot use it.', 'reason');
    this.throttle(input.clientIp);
    const outcome = await this.pipeline.loadParent(ctx, store, input.credential);
    if (outcome.type === 'derived_jwt' || outcome.type === 'derived_macaroon')
      throw new AppError('DERIVED_TOKEN_NOT_REVOCABLE', 'Derived tokens expire on their own and cannot be revoked.');
    const key = outcome.key;
    if (!key || (outcome.type !== 'issued' && outcome.type !== 'imported')) {
      this.failed(input.clientIp);
      throw keyNotFound();
    }
    if (key.status === 'revoked') return { keyId: key.keyId, alreadyRevoked: true };
    try {
      await this.lifecycles[key.kind].revoke(ctx, store, key.keyId, { reason: input.reason ?? 'KEY_COMPROMISE', description: null });
    } catch (e) {
      if (e instanceof AppError && e.reason === 'API_KEY_ALREADY_REVOKED') return { keyId: key.keyId, alreadyRevoked: true };
      throw e;
    }
    return { keyId: key.keyId, alreadyRevoked: false };
  }

  private throttle(ip: string | null): void {
    const entry = this.failures.get(ip ?? 'unknown');
    const now = this.clock.now();
    if (entry && now - entry.since < WINDOW_MS && entry.count >= FAILURES_PER_WINDOW) {
      const retry = Math.max(1, Math.ceil((entry.since + WINDOW_MS - now) / 1000));
      throw new AppError('TOO_MANY_REQUESTS', 'Too many failed self-revocation attempts from this address.', undefined, { 'retry-after': String(retry) });
    }
  }

  private failed(ip: string | null): void {
    const k = ip ?? 'unknown';
    const now = this.clock.now();
    const entry = this.failures.get(k);
    if (!entry || now - entry.since >= WINDOW_MS) this.failures.set(k, { count: 1, since: now });
    else entry.count++;
  }
}

import { AppError, keyNotFound } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { KeyStore } from '../store/ports.js';
import type { KeyKind, KeyPatch, KeyRecord, RateLimitPolicy, Revocation, Visibility } from '../store/records.js';
import { QuotaExceeded, UniqueViolation } from '../store/store-errors.js';
import type { KeyFilter } from './list-filter.js';
import { decodePageToken, encodePageToken } from './page-token.js';

/** The caller-settable fields every new key has, issued or imported. */
export interface NewKeyFields {
  name?: string;
  actorId?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  ttlMs: number;
  rateLimit?: RateLimitPolicy | null;
  allowedCidrs?: string[];
  visibility?: Visibility;
  requestId?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** 402 with the figures a client needs to explain the refusal (SPEC §3). */
export const quotaExceeded = (e: QuotaExceeded): AppError =>
  new AppError('API_KEY_QUOTA_EXCEEDED', `The project's plan allows ${e.limit} active API keys.`, {
    limit: String(e.limit),
    current_usage: String(e.current),
  });

/** Called after every change that must reach caches (this node now, other nodes via the bus). */
export type KeyChangeListener = (projectId: string, keyId: string) => void;

/**
 * What issued and imported keys share: get, list, update, revoke — each bound to one kind, so an
 * imported key is never found through the issued endpoints and vice versa.
 */
export class KeyLifecycle {
  constructor(
    protected readonly kind: KeyKind,
    protected readonly clock: Clock,
    protected readonly ids: IdSource,
    protected readonly onChange: KeyChangeListener = () => {},
  ) {}

  /** A new active key of this kind with the caller's optional fields defaulted (not yet stored). */
  protected newRecord(keyId: string, now: number, f: NewKeyFields, stored: { tokenPrefix: string | null; lookupHash: string | null }): KeyRecord {
    return {
      keyId,
      kind: this.kind,
      name: f.name ?? '',
      actorId: f.actorId || null,
      scopes: f.scopes ?? [],
      metadata: f.metadata ?? {},
      status: 'active',
      visibility: f.visibility ?? 'secret',
      ...stored,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + f.ttlMs,
      lastUsedAt: null,
      rateLimit: f.rateLimit ?? null,
      allowedCidrs: f.allowedCidrs ?? [],
      revocationReason: null,
      revocationDescription: null,
      requestId: f.requestId || null,
    };
  }

  /**
   * Inserts a new key against the project's quota (402 when full). Returns undefined when stored, or
   * the key that won a concurrent request with the same request_id (an idempotent replay); any other
   * uniqueness conflict is `exists()`.
   */
  protected async insertNew(ctx: ProjectContext, store: KeyStore, record: KeyRecord, exists: () => AppError): Promise<KeyRecord | undefined> {
    try {
      await store.insert(record, ctx.maxActiveKeys);
      return undefined;
    } catch (e) {
      if (e instanceof QuotaExceeded) throw quotaExceeded(e);
      if (e instanceof UniqueViolation && e.constraint === 'request_id' && record.requestId) {
        const winner = await store.getByRequestId(this.kind, record.requestId);
        if (winner) return winner;
      }
      if (e instanceof UniqueViolation) throw exists();
      throw e;
    }
  }

  async get(store: KeyStore, keyId: string): Promise<KeyRecord> {
    const key = await store.getByKind(this.kind, keyId);
    if (!key) throw keyNotFound();
    return key;
  }

  async list(
    ctx: ProjectContext,
    store: KeyStore,
    q: { pageSize?: number; pageToken?: string; filterText: string; filter: KeyFilter },
  ): Promise<{ keys: KeyRecord[]; nextPageToken: string }> {
    const size = !q.pageSize || q.pageSize <= 0 ? DEFAULT_PAGE_SIZE : Math.min(q.pageSize, MAX_PAGE_SIZE);
    const after = q.pageToken ? decodePageToken(ctx, this.kind, q.pageToken, q.filterText) : undefined;
    const rows = await store.list({ kind: this.kind, ...q.filter, afterKeyId: after, limit: size + 1, now: this.clock.now() });
    const page = rows.slice(0, size);
    const next = rows.length > size ? encodePageToken(ctx, this.kind, page[page.length - 1].keyId, q.filterText) : '';
    return { keys: page, nextPageToken: next };
  }

  async update(ctx: ProjectContext, store: KeyStore, keyId: string, patch: KeyPatch): Promise<KeyRecord> {
    const updated = await store.update(this.kind, keyId, patch, this.clock.now());
    if (!updated) throw keyNotFound();
    this.onChange(ctx.id, keyId);
    return updated;
  }

  async revoke(ctx: ProjectContext, store: KeyStore, keyId: string, r: { reason: Revocation['reason']; description: string | null }): Promise<void> {
    const key = await this.get(store, keyId);
    if (key.status === 'revoked') throw new AppError('API_KEY_ALREADY_REVOKED', 'The key is already revoked.');
    const ok = await store.revoke(this.kind, keyId, { ...r, at: this.clock.now() });
    if (!ok) throw new AppError('API_KEY_ALREADY_REVOKED', 'The key is already revoked.');
    this.onChange(ctx.id, keyId);
  }
}

import { AppError, keyNotFound } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import { hmacKeysAt } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { KeyStore } from '../store/ports.js';
import type { KeyPatch, KeyRecord, RateLimitPolicy, Revocation, Visibility } from '../store/records.js';
import { QuotaExceeded, UniqueViolation } from '../store/store-errors.js';
import { buildIssuedKey } from './key-format.js';
import { type KeyFilter } from './list-filter.js';
import { decodePageToken, encodePageToken } from './page-token.js';

export interface IssueInput {
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

export interface RotateInput {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rateLimit?: RateLimitPolicy | null;
  allowedCidrs?: string[];
  visibility?: Visibility;
}

export const DEFAULT_PAGE_SIZE = 50;

/** 402 with the figures a client needs to explain the refusal (SPEC §3). */
export const quotaExceeded = (e: QuotaExceeded): AppError =>
  new AppError('API_KEY_QUOTA_EXCEEDED', `The project's plan allows ${e.limit} active API keys.`, {
    limit: String(e.limit),
    current_usage: String(e.current),
  });
export const MAX_PAGE_SIZE = 1000;

/** Called after every change that must reach caches (this node now, other nodes via the bus). */
export type KeyChangeListener = (projectId: string, keyId: string) => void;

/**
 * The issued-key lifecycle: issue, get, list, update, rotate, revoke. Every method takes the caller's
 * ProjectContext and a KeyStore already bound to that project.
 */
export class IssuedKeyService {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly onChange: KeyChangeListener = () => {},
  ) {}

  private mint(ctx: ProjectContext, visibility: Visibility, now: number): { keyId: string; secret: string; prefix: string } {
    const keys = hmacKeysAt(ctx, now);
    if (!keys.length) throw new AppError('API_KEYS_NOT_ENABLED', 'API keys are not enabled for this project.');
    const prefix = visibility === 'public' ? ctx.publicKeyPrefix : ctx.keyPrefix;
    if (!prefix) throw new AppError('FAILED_PRECONDITION', 'The project has no prefix for public keys.');
    const keyId = this.ids.uuid();
    return { keyId, prefix, secret: buildIssuedKey(prefix, Math.floor(now / 1000), keyId, keys[0]) };
  }

  async issue(ctx: ProjectContext, store: KeyStore, input: IssueInput): Promise<{ key: KeyRecord; secret?: string }> {
    const now = this.clock.now();
    const visibility = input.visibility ?? 'secret';
    if (input.requestId) {
      const existing = await store.getByRequestId('issued', input.requestId);
      if (existing) return { key: existing };
    }
    const { keyId, secret, prefix } = this.mint(ctx, visibility, now);
    const key: KeyRecord = {
      keyId,
      kind: 'issued',
      name: input.name ?? '',
      actorId: input.actorId || null,
      scopes: input.scopes ?? [],
      metadata: input.metadata ?? {},
      status: 'active',
      visibility,
      tokenPrefix: prefix,
      lookupHash: null,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + input.ttlMs,
      lastUsedAt: null,
      rateLimit: input.rateLimit ?? null,
      allowedCidrs: input.allowedCidrs ?? [],
      revocationReason: null,
      revocationDescription: null,
      requestId: input.requestId || null,
    };
    try {
      await store.insert(key, ctx.maxActiveKeys);
    } catch (e) {
      if (e instanceof QuotaExceeded) throw quotaExceeded(e);
      // Idempotent replay that raced the first request: return the winner, without its secret.
      if (e instanceof UniqueViolation && e.constraint === 'request_id' && input.requestId) {
        const winner = await store.getByRequestId('issued', input.requestId);
        if (winner) return { key: winner };
      }
      if (e instanceof UniqueViolation) throw new AppError('API_KEY_EXISTS', 'An API key with this identity already exists.');
      throw e;
    }
    return { key, secret };
  }

  async get(store: KeyStore, keyId: string): Promise<KeyRecord> {
    const key = await store.getByKind('issued', keyId);
    if (!key) throw keyNotFound();
    return key;
  }

  async list(
    ctx: ProjectContext,
    store: KeyStore,
    q: { pageSize?: number; pageToken?: string; filterText: string; filter: KeyFilter },
  ): Promise<{ keys: KeyRecord[]; nextPageToken: string }> {
    const size = !q.pageSize || q.pageSize <= 0 ? DEFAULT_PAGE_SIZE : Math.min(q.pageSize, MAX_PAGE_SIZE);
    const after = q.pageToken ? decodePageToken(ctx, 'issued', q.pageToken, q.filterText) : undefined;
    const rows = await store.list({ kind: 'issued', ...q.filter, afterKeyId: after, limit: size + 1, now: this.clock.now() });
    const page = rows.slice(0, size);
    const next = rows.length > size ? encodePageToken(ctx, 'issued', page[page.length - 1].keyId, q.filterText) : '';
    return { keys: page, nextPageToken: next };
  }

  async update(ctx: ProjectContext, store: KeyStore, keyId: string, patch: KeyPatch): Promise<KeyRecord> {
    const updated = await store.update('issued', keyId, patch, this.clock.now());
    if (!updated) throw keyNotFound();
    this.onChange(ctx.id, keyId);
    return updated;
  }

  async rotate(ctx: ProjectContext, store: KeyStore, keyId: string, input: RotateInput): Promise<{ key: KeyRecord; secret: string; old: KeyRecord }> {
    const now = this.clock.now();
    const old = await this.get(store, keyId);
    if (old.status !== 'active' || (old.expiresAt !== null && old.expiresAt <= now))
      throw new AppError('FAILED_PRECONDITION', 'Cannot rotate a key that is not active.');
    const visibility = input.visibility ?? old.visibility;
    const { keyId: newId, secret, prefix } = this.mint(ctx, visibility, now);
    const replacement: KeyRecord = {
      ...old,
      keyId: newId,
      name: input.name ?? old.name,
      scopes: input.scopes ?? old.scopes,
      metadata: input.metadata ?? old.metadata,
      rateLimit: input.rateLimit !== undefined ? input.rateLimit : old.rateLimit,
      allowedCidrs: input.allowedCidrs ?? old.allowedCidrs,
      visibility,
      tokenPrefix: prefix,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      requestId: null,
    };
    const revocation: Revocation = { reason: 'SUPERSEDED', description: null, at: now };
    if (!(await store.rotate(keyId, revocation, replacement))) throw new AppError('FAILED_PRECONDITION', 'Cannot rotate a key that is not active.');
    this.onChange(ctx.id, keyId);
    const oldAfter: KeyRecord = { ...old, status: 'revoked', revocationReason: 'SUPERSEDED', revocationDescription: null, updatedAt: now };
    return { key: replacement, secret, old: oldAfter };
  }

  async revoke(ctx: ProjectContext, store: KeyStore, keyId: string, r: { reason: Revocation['reason']; description: string | null }): Promise<void> {
    const key = await this.get(store, keyId);
    if (key.status === 'revoked') throw new AppError('API_KEY_ALREADY_REVOKED', 'The key is already revoked.');
    const ok = await store.revoke('issued', keyId, { ...r, at: this.clock.now() });
    if (!ok) throw new AppError('API_KEY_ALREADY_REVOKED', 'The key is already revoked.');
    this.onChange(ctx.id, keyId);
  }
}

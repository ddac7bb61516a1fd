import { AppError } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import { hmacKeysAt } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { KeyStore } from '../store/ports.js';
import type { KeyRecord, RateLimitPolicy, Revocation, Visibility } from '../store/records.js';
import { buildIssuedKey } from './key-format.js';
import { type KeyChangeListener, KeyLifecycle, type NewKeyFields } from './key-lifecycle.js';

export type IssueInput = NewKeyFields;

export interface RotateInput {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rateLimit?: RateLimitPolicy | null;
  allowedCidrs?: string[];
  visibility?: Visibility;
}

/**
 * The issued-key lifecycle: issue and rotate here; get, list, update, revoke come from KeyLifecycle.
 * Every method takes the caller's ProjectContext and a KeyStore already bound to that project.
 */
export class IssuedKeyService extends KeyLifecycle {
  constructor(clock: Clock, ids: IdSource, onChange?: KeyChangeListener) {
    super('issued', clock, ids, onChange);
  }

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
    const key = this.newRecord(keyId, now, { ...input, visibility }, { tokenPrefix: prefix, lookupHash: null });
    const winner = await this.insertNew(ctx, store, key, () => new AppError('API_KEY_EXISTS', 'An API key with this identity already exists.'));
    // Idempotent replay that raced the first request: the winner, without its secret.
    if (winner) return { key: winner };
    return { key, secret };
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
}

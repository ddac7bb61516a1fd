import { LRUCache } from 'lru-cache';
import { base58Encode } from '../crypto/base58.js';
import { sha256Hex } from '../crypto/hashes.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { TokenStore } from '../store/ports.js';
import type { ApiTokenRecord } from '../store/records.js';
import type { Permission } from './permissions.js';
import type { Principal } from './principal.js';

export const TOKEN_PREFIX = 'ks_pat_';
const CACHE_TTL_MS = 10_000; // bounds staleness of a revocation made on another node

const unauthenticated = () => new AppError('UNAUTHENTICATED', 'A valid project API token is required: Authorization: Bearer <token>.');

/**
 * Project API tokens. Stored as SHA-256 of the whole token (tokens are ≥ 192-bit random, so a plain
 * hash is enough and makes the lookup an index hit). Authentication is cached per node for
 * CACHE_TTL_MS; a revocation on this node evicts at once.
 */
export class TokenService {
  private readonly cache = new LRUCache<string, Principal | false>({ max: 10_000, ttl: CACHE_TTL_MS });
  /**
   * Tokens revoked on this node in the last CACHE_TTL_MS: a lookup that read the store just before the
   * revoke committed must not put the token back into the cache as valid.
   */
  private readonly revoked = new LRUCache<string, true>({ max: 10_000, ttl: CACHE_TTL_MS });

  constructor(
    private readonly tokens: TokenStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** Creates a token; the secret is returned here only. `secret` may be supplied (KEYSMITH_ADMIN_TOKEN). */
  async create(
    projectId: string,
    name: string,
    permissions: Permission[],
    secret?: string,
    ttlMs?: number,
  ): Promise<{ tokenId: string; token: string; record: ApiTokenRecord }> {
    const token = secret ?? `${TOKEN_PREFIX}${base58Encode(this.ids.secret(24))}`;
    const now = this.clock.now();
    const record: ApiTokenRecord = {
      tokenId: this.ids.uuid(),
      projectId,
      name,
      tokenHash: sha256Hex(token),
      permissions,
      createdAt: now,
      expiresAt: ttlMs ? now + ttlMs : null,
      revokedAt: null,
    };
    await this.tokens.create(record);
    return { tokenId: record.tokenId, token, record };
  }

  list(projectId: string): Promise<ApiTokenRecord[]> {
    return this.tokens.listForProject(projectId);
  }

  /** Resolves `Authorization` to a Principal or throws UNAUTHENTICATED. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization || authorization.length > 1024) throw unauthenticated();
    const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization);
    if (!m) throw unauthenticated();
    const hash = sha256Hex(m[1]);
    let principal = this.cache.get(hash);
    if (principal === undefined) {
      const rec = await this.tokens.getByHash(hash);
      const live = rec && rec.revokedAt === null && (rec.expiresAt === null || rec.expiresAt > this.clock.now());
      principal = live ? { projectId: rec.projectId, tokenId: rec.tokenId, permissions: rec.permissions, expiresAt: rec.expiresAt } : false;
      this.cache.set(hash, principal);
    }
    // A cached principal still honours its own expiry to the millisecond.
    if (!principal || (principal.expiresAt !== null && principal.expiresAt <= this.clock.now()) || this.revoked.has(principal.tokenId)) throw unauthenticated();
    return principal;
  }

  /** Revokes at once on this node (other nodes: within CACHE_TTL_MS). Throws TOKEN_NOT_FOUND / 409. */
  async revoke(projectId: string, tokenId: string): Promise<void> {
    this.revoked.set(tokenId, true); // before the write: no request may slip through once we start
    const ok = await this.tokens.revoke(projectId, tokenId, this.clock.now());
    if (!ok) {
      this.revoked.delete(tokenId); // nothing changed (unknown here, or already revoked in the store)
      const exists = (await this.tokens.listForProject(projectId)).some((t) => t.tokenId === tokenId);
      if (!exists) throw new AppError('TOKEN_NOT_FOUND', 'No such project API token.');
      throw new AppError('FAILED_PRECONDITION', 'The token is already revoked.');
    }
    // Evict every cached principal of this token (the cache is keyed by hash, which we don't keep).
    for (const [hash, p] of this.cache.entries()) if (p && p.tokenId === tokenId) this.cache.delete(hash);
  }
}

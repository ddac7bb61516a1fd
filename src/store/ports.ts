import type {
  ApiTokenRecord,
  AuditEvent,
  AuditQuery,
  KeyKind,
  KeyPatch,
  KeyRecord,
  ListQuery,
  ProjectRecord,
  ProjectSecretRecord,
  Revocation,
} from './records.js';

/** Read side of keys, bound to one project. verify/ only ever gets this. */
export interface KeyReader {
  getById(keyId: string): Promise<KeyRecord | undefined>;
  /** Imported keys: by the tenant-bound hash of the raw key. */
  getByLookupHash(lookupHash: string): Promise<KeyRecord | undefined>;
  /**
   * Imported keys, one round trip: the record whose lookup hash is either of `hashes` (the tenant-bound
   * hash first, then a legacy digest). When both exist the first hash wins.
   */
  getByAnyLookupHash(hashes: readonly [string, string]): Promise<KeyRecord | undefined>;
  /** Batch verify: the keys with these ids (any kind), one query. */
  getManyByIds(keyIds: readonly string[]): Promise<KeyRecord[]>;
  /** Batch verify: the keys with any of these lookup hashes, one query. */
  getManyByLookupHashes(hashes: readonly string[]): Promise<KeyRecord[]>;
  /**
   * The negative-cache filter (cache/imported-hash-filter.ts): up to `limit` lookup hashes of this
   * project's keys (any status), ascending, strictly after `afterHash` (null = from the start). A
   * keyset page over the (project_id, lookup_hash) index; hashes only, never records.
   */
  scanLookupHashes(afterHash: string | null, limit: number): Promise<string[]>;
}

/** Coalesced last-use writes (never on the request path). */
export interface LastUsedWriter {
  /** Sets last_used_at = at where it is older (or unset), for each key; one transaction. */
  touchLastUsed(uses: readonly { keyId: string; at: number }[]): Promise<void>;
}

/** Upgrades a legacy (plain SHA-256) lookup hash to the tenant-bound form after a successful verify. */
export interface LegacyHashUpgrader {
  upgradeLookupHash(keyId: string, from: string, to: string): Promise<void>;
}

/** What `KeyStore.insertMany` did with one record. */
export type InsertOutcome = 'inserted' | 'conflict' | 'over-quota';

/** Write side of keys, bound to one project. */
export interface KeyStore extends KeyReader, LegacyHashUpgrader, LastUsedWriter {
  getByKind(kind: KeyKind, keyId: string): Promise<KeyRecord | undefined>;
  getByRequestId(kind: KeyKind, requestId: string): Promise<KeyRecord | undefined>;
  list(query: ListQuery): Promise<KeyRecord[]>;
  /**
   * Inserts an active key and counts it against the project's active-key counter in the same
   * transaction. With `maxActive` set, throws QuotaExceeded when the counter is already at the limit
   * (exact under concurrency, across nodes). Throws UniqueViolation on a duplicate id, request id or hash.
   */
  insert(record: KeyRecord, maxActive?: number | null): Promise<void>;
  /**
   * Batch insert of active keys in one transaction, in order, with one outcome per record. A record
   * that collides with a stored key (same key id, request id or lookup hash, including one a concurrent
   * writer has just committed) is skipped as 'conflict', never an error: the unique indexes are the
   * existence check, so a batch of new keys costs no separate probe. Records are inserted while the
   * quota has slots (always with `maxActive` null), the counter grows by the number inserted, and the
   * rest are 'over-quota', not attempted (nor checked for conflicts).
   */
  insertMany(records: KeyRecord[], maxActive: number | null): Promise<InsertOutcome[]>;
  /**
   * Whether the project may hold keys stored under a legacy SHA-256 digest, read from the database
   * each time (never a node's cache: a digest imported through another node counts at once). True once
   * any digest import was attempted, and for projects that held imported keys before the marker existed.
   */
  mayHoldLegacyDigests(): Promise<boolean>;
  /** Sets that marker; called before a key is inserted under a digest. Never cleared. */
  markLegacyDigests(): Promise<void>;
  /** Existing keys of `kind` among these lookup hashes or request ids (one query each). */
  findExisting(kind: KeyKind, lookupHashes: string[], requestIds: string[]): Promise<KeyRecord[]>;
  /** Hard delete; frees the quota slot if the key was active. False if no such key of that kind. */
  delete(kind: KeyKind, keyId: string): Promise<boolean>;
  /** Applies the patch; returns the updated record, or undefined if no such key of that kind. */
  update(kind: KeyKind, keyId: string, patch: KeyPatch, now: number): Promise<KeyRecord | undefined>;
  /** Revokes only if currently active; returns false if the key was not active (or absent). */
  revoke(kind: KeyKind, keyId: string, revocation: Revocation): Promise<boolean>;
  /**
   * Atomically: revoke `oldKeyId` (must be active) and insert `replacement`. Returns false and changes
   * nothing if the old key was not active — so of two concurrent rotations exactly one wins.
   */
  rotate(oldKeyId: string, revocation: Revocation, replacement: KeyRecord): Promise<boolean>;
}

export interface ProjectStore {
  getById(id: string): Promise<ProjectRecord | undefined>;
  getBySlug(slug: string): Promise<ProjectRecord | undefined>;
  getByDomain(domain: string): Promise<ProjectRecord | undefined>;
  /** Ordered by slug; keyset cursor `afterSlug`. */
  list(afterSlug: string | undefined, limit: number): Promise<ProjectRecord[]>;
  /** Creates the project and its usage counter. Throws UniqueViolation('slug'). */
  create(project: ProjectRecord): Promise<void>;
  update(id: string, patch: { name?: string; plan?: string }, now: number): Promise<boolean>;
  /** Hard delete: keys, tokens, secrets, domains, usage go with it. */
  delete(id: string): Promise<boolean>;
  /** Replaces the custom domains in one transaction. Throws UniqueViolation('domain') if one is taken. */
  setDomains(id: string, domains: string[]): Promise<void>;
  listDomains(id: string): Promise<string[]>;
  /** The active (non-revoked) key counter the quota is enforced on. */
  activeKeyCount(id: string): Promise<number>;
  /** Enables API keys and stores the first secrets in one transaction; false if already enabled. */
  enableApiKeys(id: string, secrets: ProjectSecretRecord[], now: number): Promise<boolean>;
  updateSettings(id: string, settings: Record<string, unknown>, now: number): Promise<void>;
  listSecrets(id: string): Promise<ProjectSecretRecord[]>;
  /** Replaces the secret set of one kind (rotation) in one transaction. */
  replaceSecrets(id: string, kind: ProjectSecretRecord['kind'], secrets: ProjectSecretRecord[]): Promise<void>;
}

export interface TokenStore {
  getByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  create(token: ApiTokenRecord): Promise<void>;
  listForProject(projectId: string): Promise<ApiTokenRecord[]>;
  revoke(projectId: string, tokenId: string, at: number): Promise<boolean>;
}

export interface AuditStore {
  append(projectId: string, events: AuditEvent[]): Promise<void>;
  /** Newest first. */
  list(projectId: string, query: AuditQuery): Promise<AuditEvent[]>;
  /** Deletes the events older than `at` (all projects); returns how many. */
  purgeBefore(at: number): Promise<number>;
}

export interface Store {
  readonly backend: string; // for logs and health output only; domain code never branches on it
  keys(projectId: string): KeyStore;
  readonly projects: ProjectStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

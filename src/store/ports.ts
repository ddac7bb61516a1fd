import type {
  ApiTokenRecord,
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
}

/** Write side of keys, bound to one project. */
export interface KeyStore extends KeyReader {
  getByKind(kind: KeyKind, keyId: string): Promise<KeyRecord | undefined>;
  getByRequestId(kind: KeyKind, requestId: string): Promise<KeyRecord | undefined>;
  list(query: ListQuery): Promise<KeyRecord[]>;
  /** Throws UniqueViolation on a duplicate key id, request id or lookup hash. */
  insert(record: KeyRecord): Promise<void>;
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
  create(project: ProjectRecord): Promise<void>;
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

export interface Store {
  readonly backend: string; // for logs and health output only; domain code never branches on it
  keys(projectId: string): KeyStore;
  readonly projects: ProjectStore;
  readonly tokens: TokenStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

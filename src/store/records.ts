/** Plain records that cross the store boundary. No driver types, no dialect names. */
export type KeyKind = 'issued' | 'imported';
export type StoredStatus = 'active' | 'revoked';
export type Visibility = 'secret' | 'public';
export type RevocationReason = 'KEY_COMPROMISE' | 'AFFILIATION_CHANGED' | 'SUPERSEDED' | 'PRIVILEGE_WITHDRAWN';

export interface RateLimitPolicy {
  quota: number;
  windowMs: number;
  unit: string;
}

export interface KeyRecord {
  keyId: string;
  kind: KeyKind;
  name: string;
  actorId: string | null;
  scopes: string[];
  metadata: Record<string, unknown>;
  status: StoredStatus;
  visibility: Visibility;
  tokenPrefix: string | null;
  lookupHash: string | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  rateLimit: RateLimitPolicy | null;
  allowedCidrs: string[];
  revocationReason: RevocationReason | null;
  revocationDescription: string | null;
  requestId: string | null;
}

/**
 * What verification reads of a key — and all a verify-cache entry keeps (cache/key-cache.ts): a
 * million cached keys must fit in well under a gigabyte, so names, timestamps and request ids stay in
 * the database.
 */
export type VerifiableKey = Pick<
  KeyRecord,
  'keyId' | 'kind' | 'actorId' | 'scopes' | 'metadata' | 'status' | 'visibility' | 'lookupHash' | 'expiresAt' | 'rateLimit' | 'allowedCidrs'
>;

/** The mutable subset of a key (AIP-134 update). Absent = unchanged. */
export interface KeyPatch {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rateLimit?: RateLimitPolicy | null;
  allowedCidrs?: string[];
}

export interface Revocation {
  reason: RevocationReason;
  description: string | null;
  at: number;
}

export interface ProjectRecord {
  id: string;
  slug: string;
  name: string;
  plan: string;
  apiKeysEnabled: boolean;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type SecretKind = 'hmac' | 'signing';
export type SecretState = 'current' | 'retired';

export interface ProjectSecretRecord {
  secretId: string;
  kind: SecretKind;
  algorithm: string;
  state: SecretState;
  sealed: string;
  publicJwk: string | null;
  createdAt: number;
  expiresAt: number | null;
}

export interface ApiTokenRecord {
  tokenId: string;
  projectId: string;
  name: string;
  tokenHash: string;
  permissions: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface ListQuery {
  kind: KeyKind;
  actorId?: string;
  status?: 'active' | 'revoked' | 'expired';
  afterKeyId?: string; // keyset cursor: strictly less than this key_id
  limit: number;
  now: number;
}

/** One audit record. `actor` is `token:<token_id>`, `operator`, `self` (self-revocation) or `system`. */
export interface AuditEvent {
  eventId: string;
  at: number;
  action: string;
  actor: string;
  keyId: string | null;
  reason: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  action?: string;
  keyId?: string;
  actor?: string;
  beforeEventId?: string; // keyset cursor: strictly older than this event
  limit: number;
}

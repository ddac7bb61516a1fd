import type { EnvelopeCipher } from '../crypto/envelope.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { Store } from '../store/ports.js';
import type { ProjectSecretRecord } from '../store/records.js';
import { newHmacSecret, newSigningKey, type SigningAlgorithm } from './key-material.js';

export type SigningRotationMode = 'graceful' | 'revoke';

/**
 * The crown jewels of a project: enabling API keys (first HMAC secret + signing key) and rotating
 * them. Each change is one store transaction; `onChange` evicts cached contexts.
 */
export class ProjectSecrets {
  constructor(
    private readonly store: Store,
    private readonly cipher: EnvelopeCipher,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly onChange: (projectId: string) => void,
  ) {}

  /** One-time: returns false (and changes nothing) when API keys were already enabled. */
  async enableApiKeys(projectId: string, algorithm: SigningAlgorithm = 'EdDSA'): Promise<boolean> {
    const now = this.clock.now();
    const secrets = [newHmacSecret(projectId, this.cipher, this.ids, now), newSigningKey(projectId, algorithm, this.cipher, this.ids, now)];
    const enabled = await this.store.projects.enableApiKeys(projectId, secrets, now);
    this.onChange(projectId);
    return enabled;
  }

  private async secretsOf(projectId: string, kind: ProjectSecretRecord['kind']): Promise<ProjectSecretRecord[]> {
    const all = (await this.store.projects.listSecrets(projectId)).filter((s) => s.kind === kind);
    if (!all.length) throw new AppError('API_KEYS_NOT_ENABLED', 'API keys are not enabled for this project.');
    return all;
  }

  /**
   * Current → retired, accepted until `retiredExpiresAt` (null = until the next rotation removes it);
   * a new current. Already-expired retired secrets are dropped.
   */
  async rotateHmacSecret(projectId: string, retiredExpiresAt: number | null): Promise<void> {
    const now = this.clock.now();
    const existing = await this.secretsOf(projectId, 'hmac');
    const next = [
      newHmacSecret(projectId, this.cipher, this.ids, now),
      ...existing
        .filter((s) => s.expiresAt === null || s.expiresAt > now)
        .map((s) => (s.state === 'current' ? { ...s, state: 'retired' as const, expiresAt: retiredExpiresAt } : s)),
    ];
    await this.store.projects.replaceSecrets(projectId, 'hmac', next);
    this.onChange(projectId);
  }

  /**
   * `graceful`: the old key stays published in the JWKS and its tokens keep verifying; `revoke`: the
   * old key is deleted, its tokens fail at once. Retired keys from earlier graceful rotations stay.
   */
  async rotateSigningKey(projectId: string, mode: SigningRotationMode, algorithm?: SigningAlgorithm): Promise<ProjectSecretRecord> {
    const now = this.clock.now();
    const existing = await this.secretsOf(projectId, 'signing');
    const current = existing.find((s) => s.state === 'current');
    const fresh = newSigningKey(projectId, algorithm ?? ((current?.algorithm as SigningAlgorithm) || 'EdDSA'), this.cipher, this.ids, now);
    const kept = existing
      .filter((s) => s.state === 'retired' || (mode === 'graceful' && s.state === 'current'))
      .map((s) => ({ ...s, state: 'retired' as const }));
    await this.store.projects.replaceSecrets(projectId, 'signing', [fresh, ...kept]);
    this.onChange(projectId);
    return fresh;
  }

  /** The HMAC secrets' metadata (current first): ids, state, times — the sealed value is not opened. */
  async hmacSecretInfo(projectId: string): Promise<ProjectSecretRecord[]> {
    const all = (await this.store.projects.listSecrets(projectId)).filter((s) => s.kind === 'hmac');
    return all.sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'current' ? -1 : 1));
  }

  /** Public JWKs (current first), never private material. */
  async publicKeys(projectId: string): Promise<{ jwk: Record<string, unknown>; state: string; createTime: number }[]> {
    const all = (await this.store.projects.listSecrets(projectId)).filter((s) => s.kind === 'signing' && s.publicJwk);
    all.sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'current' ? -1 : 1));
    return all.map((s) => ({ jwk: JSON.parse(s.publicJwk as string) as Record<string, unknown>, state: s.state, createTime: s.createdAt }));
  }
}

import { generateKeyPairSync } from 'node:crypto';
import type { ProjectDefaults } from '../config/schema.js';
import type { EnvelopeCipher } from '../crypto/envelope.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { Store } from '../store/ports.js';
import type { ProjectRecord, ProjectSecretRecord } from '../store/records.js';
import { loadProjectContext } from './context-loader.js';
import type { ProjectContext } from './project-context.js';
import { sealContext } from './secret-contexts.js';
import { defaultSettings, type ProjectSettings } from './settings.js';

export const HMAC_SECRET_BYTES = 32;
const CONTEXT_TTL_MS = 30_000; // safety net for changes made on another node

/**
 * Projects: creation, the one-time "enable API keys" step, settings, HMAC-secret rotation, and a
 * per-node cache of resolved ProjectContexts (evicted at once on this node's own changes).
 */
export class ProjectService {
  private readonly contexts = new Map<string, { ctx: ProjectContext; loadedAt: number }>();

  constructor(
    private readonly store: Store,
    private readonly cipher: EnvelopeCipher,
    private readonly defaults: ProjectDefaults,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  async create(input: { slug: string; name: string; plan?: string }): Promise<ProjectRecord> {
    const now = this.clock.now();
    const project: ProjectRecord = {
      id: this.ids.uuid(),
      slug: input.slug,
      name: input.name,
      plan: input.plan ?? 'free',
      apiKeysEnabled: false,
      settings: defaultSettings(this.defaults) as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.projects.create(project);
    return project;
  }

  /** Generates the HMAC secret and Ed25519 signing key, sealed. Returns false if already enabled. */
  async enableApiKeys(projectId: string): Promise<boolean> {
    const now = this.clock.now();
    const hmacId = this.ids.uuid();
    const signingId = this.ids.uuid();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: signingId, alg: 'EdDSA', use: 'sig' };
    const secrets: ProjectSecretRecord[] = [
      {
        secretId: hmacId,
        kind: 'hmac',
        algorithm: 'HS256',
        state: 'current',
        sealed: this.cipher.seal(this.ids.secret(HMAC_SECRET_BYTES), sealContext(projectId, 'hmac', hmacId)),
        publicJwk: null,
        createdAt: now,
        expiresAt: null,
      },
      {
        secretId: signingId,
        kind: 'signing',
        algorithm: 'EdDSA',
        state: 'current',
        sealed: this.cipher.seal(privateKey.export({ format: 'der', type: 'pkcs8' }), sealContext(projectId, 'signing', signingId)),
        publicJwk: JSON.stringify(publicJwk),
        createdAt: now,
        expiresAt: null,
      },
    ];
    const enabled = await this.store.projects.enableApiKeys(projectId, secrets, now);
    this.evict(projectId);
    return enabled;
  }

  /** Current → retired (accepted until `retiredExpiresAt`, null = until removed); a new current. */
  async rotateHmacSecret(projectId: string, retiredExpiresAt: number | null): Promise<void> {
    const now = this.clock.now();
    const existing = (await this.store.projects.listSecrets(projectId)).filter((s) => s.kind === 'hmac');
    if (!existing.length) throw new AppError('API_KEYS_NOT_ENABLED', 'API keys are not enabled for this project.');
    const id = this.ids.uuid();
    const next: ProjectSecretRecord[] = [
      {
        secretId: id,
        kind: 'hmac',
        algorithm: 'HS256',
        state: 'current',
        sealed: this.cipher.seal(this.ids.secret(HMAC_SECRET_BYTES), sealContext(projectId, 'hmac', id)),
        publicJwk: null,
        createdAt: now,
        expiresAt: null,
      },
      ...existing
        .filter((s) => s.expiresAt === null || s.expiresAt > now)
        .map((s) => (s.state === 'current' ? { ...s, state: 'retired' as const, expiresAt: retiredExpiresAt } : s)),
    ];
    await this.store.projects.replaceSecrets(projectId, 'hmac', next);
    this.evict(projectId);
  }

  async updateSettings(projectId: string, mutate: (s: ProjectSettings) => ProjectSettings): Promise<void> {
    const ctx = await this.context(projectId);
    await this.store.projects.updateSettings(projectId, mutate(structuredClone(ctx.settings)) as unknown as Record<string, unknown>, this.clock.now());
    this.evict(projectId);
  }

  /** The resolved context of a project; throws PROJECT_NOT_FOUND. */
  async context(projectId: string): Promise<ProjectContext> {
    const hit = this.contexts.get(projectId);
    const now = this.clock.now();
    if (hit && now - hit.loadedAt < CONTEXT_TTL_MS) return hit.ctx;
    const project = await this.store.projects.getById(projectId);
    if (!project) throw new AppError('PROJECT_NOT_FOUND', 'Project not found.');
    const ctx = await loadProjectContext(this.store, this.cipher, this.defaults, project);
    this.contexts.set(projectId, { ctx, loadedAt: now });
    return ctx;
  }

  evict(projectId: string): void {
    this.contexts.delete(projectId);
  }
}

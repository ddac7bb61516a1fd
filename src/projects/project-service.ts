import type { Plan, ProjectDefaults } from '../config/schema.js';
import type { EnvelopeCipher } from '../crypto/envelope.js';
import { AppError, invalidArgument } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { Store } from '../store/ports.js';
import type { ProjectRecord } from '../store/records.js';
import { UniqueViolation } from '../store/store-errors.js';
import { loadProjectContext } from './context-loader.js';
import type { SigningAlgorithm } from './key-material.js';
import type { ProjectContext } from './project-context.js';
import { ProjectSecrets, type SigningRotationMode } from './project-secrets.js';
import { defaultSettings, type ProjectSettings, withDefaults } from './settings.js';
import { fillMissing, mergePatch, validateSettings } from './settings-validate.js';

const CONTEXT_TTL_MS = 30_000; // safety net for changes made on another node
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Projects (tenants): CRUD, plans, configuration, and a per-node cache of resolved ProjectContexts
 * (evicted at once on this node's own changes; other nodes reload within CONTEXT_TTL_MS).
 */
export class ProjectService {
  private readonly contexts = new Map<string, { ctx: ProjectContext; loadedAt: number }>();
  readonly secrets: ProjectSecrets;

  private readonly store: Store;
  private readonly cipher: EnvelopeCipher;
  private readonly defaults: ProjectDefaults;
  private readonly plans: Record<string, Plan>;
  private readonly defaultPlan: string;
  private readonly clock: Clock;
  private readonly ids: IdSource;

  constructor(deps: {
    store: Store;
    cipher: EnvelopeCipher;
    defaults: ProjectDefaults;
    plans: Record<string, Plan>;
    /** Plan of a project created without one. */
    defaultPlan: string;
    clock: Clock;
    ids: IdSource;
  }) {
    ({
      store: this.store,
      cipher: this.cipher,
      defaults: this.defaults,
      plans: this.plans,
      defaultPlan: this.defaultPlan,
      clock: this.clock,
      ids: this.ids,
    } = deps);
    this.secrets = new ProjectSecrets(this.store, this.cipher, this.clock, this.ids, (id) => this.evict(id));
  }

  plan(name: string): Plan {
    // Own properties only: "toString" or "__proto__" must not resolve to an Object.prototype member.
    const plan = Object.hasOwn(this.plans, name) ? this.plans[name] : undefined;
    if (!plan) throw invalidArgument(`Unknown plan "${name}"; known plans: ${Object.keys(this.plans).join(', ')}.`, 'plan');
    return plan;
  }

  async create(input: { slug: string; name: string; plan?: string }): Promise<ProjectRecord> {
    if (!SLUG_PATTERN.test(input.slug))
      throw invalidArgument('slug must be 1–63 lowercase letters, digits or dashes, not starting or ending with a dash.', 'slug');
    const plan = input.plan ?? this.defaultPlan;
    this.plan(plan);
    const now = this.clock.now();
    const project: ProjectRecord = {
      id: this.ids.uuid(),
      slug: input.slug,
      name: input.name,
      plan,
      apiKeysEnabled: false,
      settings: this.defaultsFor(plan) as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.store.projects.create(project);
    } catch (e) {
      if (e instanceof UniqueViolation) throw new AppError('PROJECT_EXISTS', `A project with slug "${input.slug}" already exists.`, { field: 'slug' });
      throw e;
    }
    return project;
  }

  /** Settings of a new project: rate-limit enforcement is on by default wherever the plan includes it. */
  private defaultsFor(plan: string): ProjectSettings {
    const s = defaultSettings(this.defaults);
    s.rate_limit.enabled = this.plan(plan).rate_limiting;
    return s;
  }

  /** By id (UUID) or slug; throws PROJECT_NOT_FOUND. */
  async get(ref: string): Promise<ProjectRecord> {
    const p = UUID.test(ref) ? await this.store.projects.getById(ref) : SLUG_PATTERN.test(ref) ? await this.store.projects.getBySlug(ref) : undefined;
    if (!p) throw new AppError('PROJECT_NOT_FOUND', 'Project not found.');
    return p;
  }

  list(afterSlug: string | undefined, limit: number): Promise<ProjectRecord[]> {
    return this.store.projects.list(afterSlug, limit);
  }

  async update(id: string, patch: { name?: string; plan?: string; customDomains?: string[] }): Promise<ProjectRecord> {
    // Validate everything before writing anything: a refused patch changes nothing.
    let planSettings: ProjectSettings | undefined;
    if (patch.plan !== undefined) {
      const plan = this.plan(patch.plan);
      const ctx = await this.context(id);
      // Rate limiting is on by default wherever the plan has it, so a plan change carries it along (off
      // when the new plan lacks it, on when the plan adds it) instead of refusing every downgrade.
      const was = ctx.settings.rate_limit.enabled;
      const rateLimit = plan.rate_limiting && (was || !this.plan(ctx.plan).rate_limiting);
      if (rateLimit !== was) planSettings = { ...ctx.settings, rate_limit: { enabled: rateLimit } };
      validateSettings(planSettings ?? ctx.settings, plan); // a downgrade must not leave a feature on that the plan lacks
    }
    const domains = patch.customDomains === undefined ? undefined : ProjectService.normaliseDomains(patch.customDomains);
    if (domains !== undefined) {
      try {
        await this.store.projects.setDomains(id, domains); // the only step that can conflict: first
      } catch (e) {
        if (e instanceof UniqueViolation)
          throw new AppError('PROJECT_EXISTS', 'A custom domain is already used by another project.', { field: 'custom_domains' });
        throw e;
      }
    }
    if (planSettings) await this.store.projects.updateSettings(id, planSettings as unknown as Record<string, unknown>, this.clock.now());
    if (patch.name !== undefined || patch.plan !== undefined) await this.store.projects.update(id, { name: patch.name, plan: patch.plan }, this.clock.now());
    this.evict(id);
    return this.get(id);
  }

  /** Lower-cased, de-duplicated hostnames (no scheme, port or path); anything else is a 400. */
  static normaliseDomains(domains: string[]): string[] {
    const out = new Set<string>();
    for (const d of domains) {
      const host = d.trim().toLowerCase().replace(/\.$/, '');
      if (!DOMAIN.test(host)) throw invalidArgument(`"${d.slice(0, 64)}" is not a valid domain name.`, 'custom_domains');
      out.add(host);
    }
    return [...out];
  }

  listDomains(id: string): Promise<string[]> {
    return this.store.projects.listDomains(id);
  }

  activeKeys(projectId: string): Promise<number> {
    return this.store.projects.activeKeyCount(projectId);
  }

  /** Active (non-revoked) keys against the plan's limit. */
  async usage(project: ProjectRecord): Promise<{ activeKeys: number; maxActiveKeys: number | null }> {
    return { activeKeys: await this.store.projects.activeKeyCount(project.id), maxActiveKeys: this.plan(project.plan).max_active_keys };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.projects.delete(id))) throw new AppError('PROJECT_NOT_FOUND', 'Project not found.');
    this.evict(id);
  }

  /** The project's full settings, defaults filled in. */
  settingsOf(project: ProjectRecord): ProjectSettings {
    return withDefaults(project.settings, this.defaults);
  }

  /** Applies an RFC 7396 merge patch to the settings, validates the result whole, stores it. */
  async patchSettings(id: string, patch: unknown): Promise<ProjectSettings> {
    const project = await this.get(id);
    const current = withDefaults(project.settings, this.defaults);
    // Merge, refill only what a `null` removed, then validate the whole: wrong types and unknown fields
    // are refused (400) instead of being reset or dropped, and nothing is written unless all is valid.
    const merged = fillMissing(mergePatch(current, patch), this.defaultsFor(project.plan));
    const next = validateSettings(merged, this.plan(project.plan));
    await this.store.projects.updateSettings(id, next as unknown as Record<string, unknown>, this.clock.now());
    this.evict(id);
    return next;
  }

  /** In-process settings edit (bootstrap, tests); validated like the API. */
  async updateSettings(projectId: string, mutate: (s: ProjectSettings) => ProjectSettings): Promise<void> {
    const ctx = await this.context(projectId);
    const next = validateSettings(mutate(structuredClone(ctx.settings)), this.plan(ctx.plan));
    await this.store.projects.updateSettings(projectId, next as unknown as Record<string, unknown>, this.clock.now());
    this.evict(projectId);
  }

  enableApiKeys(projectId: string, algorithm?: SigningAlgorithm): Promise<boolean> {
    return this.secrets.enableApiKeys(projectId, algorithm);
  }

  rotateHmacSecret(projectId: string, retiredExpiresAt: number | null): Promise<void> {
    return this.secrets.rotateHmacSecret(projectId, retiredExpiresAt);
  }

  rotateSigningKey(projectId: string, mode: SigningRotationMode, algorithm?: SigningAlgorithm) {
    return this.secrets.rotateSigningKey(projectId, mode, algorithm);
  }

  /** The resolved context of a project; throws PROJECT_NOT_FOUND. */
  async context(projectId: string): Promise<ProjectContext> {
    const hit = this.contexts.get(projectId);
    const now = this.clock.now();
    if (hit && now - hit.loadedAt < CONTEXT_TTL_MS && now >= hit.loadedAt) return hit.ctx;
    const project = await this.store.projects.getById(projectId);
    if (!project) throw new AppError('PROJECT_NOT_FOUND', 'Project not found.');
    const ctx = await loadProjectContext(this.store, this.cipher, this.defaults, project, this.plan(project.plan));
    this.contexts.set(projectId, { ctx, loadedAt: now });
    return ctx;
  }

  evict(projectId: string): void {
    this.contexts.delete(projectId);
  }
}

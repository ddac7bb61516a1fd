import type { ProjectStore } from '../ports.js';
import type { ProjectRecord, ProjectSecretRecord } from '../records.js';
import { type SqlDialect, translated } from './dialects/dialect.js';
import type { ProjectSecretsTable, ProjectsTable } from './tables.js';

const PROJECT_COLUMNS = ['id', 'slug', 'name', 'plan', 'api_keys_enabled', 'settings', 'created_at', 'updated_at'] as const;
const SECRET_COLUMNS = ['secret_id', 'kind', 'algorithm', 'state', 'sealed', 'public_jwk', 'created_at', 'expires_at'] as const;

const toProject = (r: ProjectsTable): ProjectRecord => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  plan: r.plan,
  apiKeysEnabled: Number(r.api_keys_enabled) === 1,
  settings: JSON.parse(r.settings) as Record<string, unknown>,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toSecret = (r: Omit<ProjectSecretsTable, 'project_id'>): ProjectSecretRecord => ({
  secretId: r.secret_id,
  kind: r.kind as ProjectSecretRecord['kind'],
  algorithm: r.algorithm,
  state: r.state as ProjectSecretRecord['state'],
  sealed: r.sealed,
  publicJwk: r.public_jwk,
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
});

const secretRow = (projectId: string, s: ProjectSecretRecord): ProjectSecretsTable => ({
  project_id: projectId,
  secret_id: s.secretId,
  kind: s.kind,
  algorithm: s.algorithm,
  state: s.state,
  sealed: s.sealed,
  public_jwk: s.publicJwk,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
});

export class SqlProjectStore implements ProjectStore {
  constructor(private readonly dialect: SqlDialect) {}

  private run<T>(fn: () => Promise<T>): Promise<T> {
    return translated(this.dialect, fn);
  }

  getById(id: string) {
    return this.run(async () => {
      const r = await this.dialect.db.selectFrom('projects').select(PROJECT_COLUMNS).where('id', '=', id).executeTakeFirst();
      return r ? toProject(r) : undefined;
    });
  }

  getBySlug(slug: string) {
    return this.run(async () => {
      const r = await this.dialect.db.selectFrom('projects').select(PROJECT_COLUMNS).where('slug', '=', slug).executeTakeFirst();
      return r ? toProject(r) : undefined;
    });
  }

  create(p: ProjectRecord) {
    return this.run(() =>
      this.dialect.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('projects')
          .values({
            id: p.id,
            slug: p.slug,
            name: p.name,
            plan: p.plan,
            api_keys_enabled: p.apiKeysEnabled ? 1 : 0,
            settings: JSON.stringify(p.settings),
            created_at: p.createdAt,
            updated_at: p.updatedAt,
          })
          .execute();
        await trx.insertInto('project_usage').values({ project_id: p.id, active_keys: 0 }).execute();
      }),
    );
  }

  getByDomain(domain: string) {
    return this.run(async () => {
      const r = await this.dialect.db
        .selectFrom('project_domains')
        .innerJoin('projects', 'projects.id', 'project_domains.project_id')
        .select(PROJECT_COLUMNS.map((c) => `projects.${c}` as const))
        .where('project_domains.domain', '=', domain.toLowerCase())
        .executeTakeFirst();
      return r ? toProject(r as ProjectsTable) : undefined;
    });
  }

  list(afterSlug: string | undefined, limit: number) {
    return this.run(async () => {
      let q = this.dialect.db.selectFrom('projects').select(PROJECT_COLUMNS);
      if (afterSlug !== undefined) q = q.where('slug', '>', afterSlug);
      const rows = await q.orderBy('slug').limit(limit).execute();
      return rows.map(toProject);
    });
  }

  update(id: string, patch: { name?: string; plan?: string }, now: number) {
    return this.run(async () => {
      const set: { updated_at: number; name?: string; plan?: string } = { updated_at: now };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.plan !== undefined) set.plan = patch.plan;
      const res = await this.dialect.db.updateTable('projects').set(set).where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    });
  }

  delete(id: string) {
    return this.run(() =>
      this.dialect.db.transaction().execute(async (trx) => {
        // Explicit child deletes: do not rely on ON DELETE CASCADE being enforced (SQLite pragma, audit has no FK).
        for (const table of ['api_keys', 'api_tokens', 'project_secrets', 'project_domains', 'project_usage', 'audit_events'] as const)
          await trx.deleteFrom(table).where('project_id', '=', id).execute();
        const res = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
        return Number(res.numDeletedRows) === 1;
      }),
    );
  }

  setDomains(id: string, domains: string[]) {
    return this.run(() =>
      this.dialect.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('project_domains').where('project_id', '=', id).execute();
        if (domains.length)
          await trx
            .insertInto('project_domains')
            .values(domains.map((d) => ({ domain: d.toLowerCase(), project_id: id })))
            .execute();
      }),
    );
  }

  listDomains(id: string) {
    return this.run(async () => {
      const rows = await this.dialect.db.selectFrom('project_domains').select('domain').where('project_id', '=', id).orderBy('domain').execute();
      return rows.map((r) => r.domain);
    });
  }

  activeKeyCount(id: string) {
    return this.run(async () => {
      const r = await this.dialect.db.selectFrom('project_usage').select('active_keys').where('project_id', '=', id).executeTakeFirst();
      return r ? Number(r.active_keys) : 0;
    });
  }

  enableApiKeys(id: string, secrets: ProjectSecretRecord[], now: number) {
    return this.run(() =>
      this.dialect.db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('projects')
          .set({ api_keys_enabled: 1, updated_at: now })
          .where('id', '=', id)
          .where('api_keys_enabled', '=', 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await trx
          .insertInto('project_secrets')
          .values(secrets.map((s) => secretRow(id, s)))
          .execute();
        return true;
      }),
    );
  }

  updateSettings(id: string, settings: Record<string, unknown>, now: number) {
    return this.run(async () => {
      await this.dialect.db
        .updateTable('projects')
        .set({ settings: JSON.stringify(settings), updated_at: now })
        .where('id', '=', id)
        .execute();
    });
  }

  listSecrets(id: string) {
    return this.run(async () => {
      const rows = await this.dialect.db
        .selectFrom('project_secrets')
        .select(SECRET_COLUMNS)
        .where('project_id', '=', id)
        .orderBy('created_at', 'desc')
        .orderBy('secret_id')
        .execute();
      return rows.map(toSecret);
    });
  }

  replaceSecrets(id: string, kind: ProjectSecretRecord['kind'], secrets: ProjectSecretRecord[]) {
    return this.run(() =>
      this.dialect.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('project_secrets').where('project_id', '=', id).where('kind', '=', kind).execute();
        if (secrets.length)
          await trx
            .insertInto('project_secrets')
            .values(secrets.map((s) => secretRow(id, s)))
            .execute();
      }),
    );
  }
}

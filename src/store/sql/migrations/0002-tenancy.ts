import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Multi-tenant service layer: per-project usage counter (exact quotas), custom domains, audit log.
 * The counter is backfilled from existing keys so projects created before this migration are exact.
 */
export const tenancy: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('project_usage')
      .addColumn('project_id', 'varchar(36)', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
      .addColumn('active_keys', 'bigint', (c) => c.notNull())
      .execute();
    await sql`INSERT INTO project_usage (project_id, active_keys)
      SELECT p.id, (SELECT COUNT(*) FROM api_keys k WHERE k.project_id = p.id AND k.status = 1) FROM projects p`.execute(db);

    await db.schema
      .createTable('project_domains')
      .addColumn('domain', 'varchar(253)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .execute();
    await db.schema.createIndex('project_domains_project_idx').on('project_domains').column('project_id').execute();

    await db.schema
      .createTable('audit_events')
      .addColumn('project_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('event_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('action', 'varchar(64)', (c) => c.notNull())
      .addColumn('actor', 'varchar(64)', (c) => c.notNull())
      .addColumn('key_id', 'varchar(64)')
      .addColumn('reason', 'varchar(128)')
      .addColumn('request_id', 'varchar(128)')
      .addColumn('details', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_events_pk', ['project_id', 'event_id'])
      .execute();
    await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at']).execute();
    await db.schema.createIndex('audit_events_action_idx').on('audit_events').columns(['project_id', 'action', 'event_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('audit_events').execute();
    await db.schema.dropTable('project_domains').execute();
    await db.schema.dropTable('project_usage').execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/** Initial schema. Written once with the schema builder so the same file serves SQLite, PostgreSQL and MySQL. */
export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('projects')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('slug', 'varchar(63)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('plan', 'varchar(64)', (c) => c.notNull())
      .addColumn('api_keys_enabled', 'smallint', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('projects_slug_uq').on('projects').column('slug').unique().execute();

    await db.schema
      .createTable('project_secrets')
      .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('secret_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('algorithm', 'varchar(16)', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addPrimaryKeyConstraint('project_secrets_pk', ['project_id', 'secret_id'])
      .execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('token_id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('permissions', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_tokens_hash_uq').on('api_tokens').column('token_hash').unique().execute();
    await db.schema.createIndex('api_tokens_project_idx').on('api_tokens').columns(['project_id', 'token_id']).execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('project_id', 'varchar(36)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('actor_id', 'varchar(255)')
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('status', 'smallint', (c) => c.notNull())
      .addColumn('visibility', 'smallint', (c) => c.notNull())
      .addColumn('token_prefix', 'varchar(16)')
      .addColumn('lookup_hash', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addColumn('rate_limit_quota', 'bigint')
      .addColumn('rate_limit_window_ms', 'bigint')
      .addColumn('rate_limit_unit', 'varchar(32)')
      .addColumn('allowed_cidrs', 'text')
      .addColumn('revocation_reason', 'smallint')
      .addColumn('revocation_description', 'varchar(500)')
      .addColumn('request_id', 'varchar(36)')
      .addPrimaryKeyConstraint('api_keys_pk', ['project_id', 'key_id'])
      .execute();
    // NULLs are distinct in unique indexes on all three databases, so keys without request_id / hash never collide.
    await db.schema.createIndex('api_keys_request_uq').on('api_keys').columns(['project_id', 'kind', 'request_id']).unique().execute();
    await db.schema.createIndex('api_keys_lookup_uq').on('api_keys').columns(['project_id', 'lookup_hash']).unique().execute();
    await db.schema.createIndex('api_keys_list_idx').on('api_keys').columns(['project_id', 'kind', 'key_id']).execute();
    await db.schema.createIndex('api_keys_actor_idx').on('api_keys').columns(['project_id', 'kind', 'actor_id', 'key_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('api_keys').execute();
    await db.schema.dropTable('api_tokens').execute();
    await db.schema.dropTable('project_secrets').execute();
    await db.schema.dropTable('projects').execute();
  },
};

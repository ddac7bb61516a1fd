import { type Kysely, type Migration, sql } from 'kysely';

/**
 * `project_usage.legacy_digests`: 1 when the project may hold keys stored under a plain SHA-256 digest
 * (imported by digest, not yet re-hashed). A batch import of raw keys probes for those digests only
 * where it is set. Stored hashes cannot be told apart (both forms are 64 hex characters), so the
 * backfill is conservative: every project that already holds an imported key is marked.
 */
export const legacyDigestMarker: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('project_usage')
      .addColumn('legacy_digests', 'smallint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`UPDATE project_usage SET legacy_digests = 1
      WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.project_id = project_usage.project_id AND k.kind = 'imported')`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('project_usage').dropColumn('legacy_digests').execute();
  },
};

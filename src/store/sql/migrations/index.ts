import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { tenancy } from './0002-tenancy.js';
import { legacyDigestMarker } from './0003-legacy-digest-marker.js';

/** Every migration, in order. Names sort lexically; never rename or edit a released one. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_tenancy': tenancy,
  '0003_legacy_digest_marker': legacyDigestMarker,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

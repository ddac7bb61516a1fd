import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { tenancy } from './0002-tenancy.js';

/** Every migration, in order. Names sort lexically; never rename or edit a released one. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_tenancy': tenancy,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

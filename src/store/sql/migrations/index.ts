import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';

/** Every migration, in order. Names sort lexically; never rename or edit a released one. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

import type { Command } from 'commander';
import { redactDsn } from '../store/sql/dialects/dialect.js';
import type { SqlStore } from '../store/sql/open-store.js';

type StoreOps = typeof import('../store/sql/open-store.js');

/** `keysmith migrate up|down|status`: runs against the configured database (KEYSMITH_DB_DSN or --database). */
export function registerMigrateCommand(program: Command): void {
  const migrate = program.command('migrate').description('Manage the database schema');
  const withStore = async (opts: { config?: string; database?: string }, fn: (store: SqlStore, dsn: string, ops: StoreOps) => Promise<void>) => {
    // Loaded here, not at the top: `keysmith keys …` need not load the database drivers.
    const [{ loadConfig }, { resolveDsn }, ops] = await Promise.all([import('../config/load.js'), import('../app.js'), import('../store/sql/open-store.js')]);
    const config = loadConfig({ file: opts.config });
    const dsn = opts.database ?? resolveDsn(config);
    const store = ops.createSqlStore(ops.openDialect(dsn));
    try {
      await fn(store, dsn, ops);
    } finally {
      await store.close();
    }
  };
  for (const [name, description] of [
    ['up', 'Apply every pending migration'],
    ['down', 'Revert the last applied migration'],
    ['status', 'List applied and pending migrations'],
  ] as const) {
    migrate
      .command(name)
      .description(description)
      .option('-c, --config <file>', 'YAML config file')
      .option('--database <dsn>', 'database DSN (overrides config)')
      .action(async (opts: { config?: string; database?: string }) =>
        withStore(opts, async (store, dsn, { migrateDown, migrateUp, migrationState }) => {
          if (name === 'up') {
            const applied = await migrateUp(store);
            process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
          } else if (name === 'down') {
            const reverted = await migrateDown(store);
            process.stdout.write(reverted.length ? `reverted: ${reverted.join(', ')}\n` : 'nothing to revert\n');
          } else {
            const s = await migrationState(store);
            process.stdout.write(`database: ${redactDsn(dsn)}\n`);
            for (const m of s.applied) process.stdout.write(`  applied  ${m}\n`);
            for (const m of s.pending) process.stdout.write(`  pending  ${m}\n`);
            if (s.pending.length) process.exitCode = 3;
          }
        }),
      );
  }
}

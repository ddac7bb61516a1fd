import { sql } from 'kysely';
import type { Logger } from 'pino';
import { systemIds } from '../shared/ids.js';
import type { SqlStore } from '../store/sql/open-store.js';
import { type InvalidationBus, LocalBus } from './invalidation-bus.js';
import { HeartbeatBus } from './heartbeat-bus.js';
import { PgNotifyBus } from './pg-notify-bus.js';
import { RedisBus } from './redis-bus.js';

/** No push channel: caches bound their entries' life instead (see the pipeline's ttlCapMs). */
class NoBus implements InvalidationBus {
  readonly healthy = true;
  /** Nothing tells other nodes about a change: entries live at most 1 s, so the bound holds anyway. */
  readonly entryTtlCapMs = 1000;
  async publish(): Promise<void> {}
  onMessage(): void {}
  onReset(): void {}
  async close(): Promise<void> {}
}

/**
 * The cross-node invalidation channel for this deployment: `redis.url` set → Redis pub/sub, whatever
 * the database; else PostgreSQL → LISTEN/NOTIFY; SQLite → local only (one node owns the file);
 * MySQL/MariaDB → none (entries capped at 1 s, no negative cache — ADR 0009).
 */
export async function startInvalidationBus(
  dsn: string,
  store: SqlStore,
  logger: Logger,
  redis: { url: string; key_prefix: string } = { url: '', key_prefix: '' },
): Promise<InvalidationBus> {
  // A network bus gets a heartbeat, so a silent partition is noticed too (heartbeat-bus.ts).
  if (redis.url) return new HeartbeatBus(await RedisBus.start(redis.url, redis.key_prefix, logger), systemIds.uuid(), logger);
  if (/^sqlite3?:\/\//.test(dsn)) return new LocalBus();
  if (/^(postgres|postgresql|cockroach):\/\//.test(dsn)) {
    const bus = new PgNotifyBus(
      dsn.replace(/^(postgresql|cockroach):/, 'postgres:').replace(/\?.*$/, ''),
      async (channel, payload) => {
        await sql`SELECT pg_notify(${channel}, ${payload})`.execute(store.dialect.db);
      },
      logger,
    );
    await bus.start();
    return new HeartbeatBus(bus, systemIds.uuid(), logger);
  }
  return new NoBus();
}

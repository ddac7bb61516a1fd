import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { resolveMasterKey } from './config/master-key.js';
import type { Config } from './config/schema.js';
import { EnvelopeCipher } from './crypto/envelope.js';
import { buildApiServer, buildMetricsServer, type ServeMode } from './http/build-http.js';
import { IssuedKeyService } from './keys/key-service.js';
import { ImportedKeyService } from './keys/imported-key-service.js';
import { createLogger } from './observability/logger.js';
import { bootstrapDefaultProject, type BootstrapResult } from './projects/bootstrap.js';
import { ProjectService } from './projects/project-service.js';
import { type Clock, systemClock } from './shared/clock.js';
import { type IdSource, systemIds } from './shared/ids.js';
import { createSqlStore, migrateUp, migrationState, openDialect, type SqlStore } from './store/sql/open-store.js';
import { redactDsn } from './store/sql/dialects/dialect.js';
import { TokenService } from './tenancy/token-service.js';
import { VerifyPipeline } from './verify/pipeline.js';
import { ProofMemo } from './verify/proof-memo.js';
import { KeyCache } from './cache/key-cache.js';
import { Metrics } from './observability/metrics.js';
import { LastUsedRecorder } from './verify/last-used.js';
import { Tracing } from './observability/tracing.js';
import { tracePipeline } from './observability/traced-pipeline.js';
import { traceStore } from './store/traced-store.js';
import { startInvalidationBus } from './cache/start-bus.js';
import { ImportedHashFilters } from './cache/imported-hash-filter.js';
import { ImportReceipts, ReceiptSender } from './cache/import-receipts.js';
import { DeriveService } from './tokens/derive-service.js';
import { SelfRevocation } from './keys/self-revoke.js';
import { AuditLog } from './audit/audit-log.js';
import { AuditRetention } from './audit/audit-retention.js';
import { OperatorAuth } from './tenancy/operator-auth.js';
import { PublicTenantResolver } from './tenancy/public-tenant.js';
import { startRateLimiter } from './ratelimit/start-rate-limiter.js';
import { RateLimitStep } from './verify/rate-limit-step.js';

export interface AppOverrides {
  clock?: Clock;
  ids?: IdSource;
  logStream?: DestinationStream;
  logger?: Logger;
  mode?: ServeMode;
}

export interface KeysmithApp {
  config: Config;
  logger: Logger;
  store: SqlStore;
  clock: Clock;
  audit: AuditLog;
  lastUsed: LastUsedRecorder;
  projects: ProjectService;
  tokens: TokenService;
  issuedKeys: IssuedKeyService;
  /** The verify pipeline as wired here (cache, proof memo, rate limits, last-used) — for benchmarks and tests. */
  pipeline: VerifyPipeline;
  api: FastifyInstance;
  metrics: FastifyInstance;
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export const resolveDsn = (config: Config): string => config.db.dsn || `sqlite://${config.data_dir.replace(/\/$/, '')}/keysmith.db`;
/** The longest an import waits for its echo and the other nodes' receipts (cache/import-receipts.ts). */
const IMPORT_RECEIPTS_WAIT_MS = 1000;
const isSqlite = (dsn: string) => /^sqlite3?:\/\//.test(dsn);

export class SchemaBehindError extends Error {
  override name = 'SchemaBehindError';
}

/**
 * The composition root: builds every dependency in order, from config to the two HTTP listeners.
 * Nothing listens yet — `startApp` does that — so tests can drive `api.inject()` directly.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<KeysmithApp> {
  // Tracing first: the logger's mixin stamps trace ids. Off = no OpenTelemetry SDK is even loaded.
  const tracing = config.tracing.enabled ? await Tracing.start(config.tracing) : null;
  const logger = overrides.logger ?? createLogger(config.log.level, overrides.logStream, tracing?.logFields);
  tracing?.reportTo((m) => logger.warn(m));
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? systemIds;
  const dsn = resolveDsn(config);
  const embedded = isSqlite(dsn) && !config.db.dsn;
  const cipher = new EnvelopeCipher(resolveMasterKey(config, embedded || isSqlite(dsn), (m) => logger.warn(m)));

  const store = traceStore(createSqlStore(openDialect(dsn)), tracing);
  try {
    const autoMigrate = config.db.auto_migrate ?? isSqlite(dsn);
    const state = await migrationState(store);
    if (state.pending.length) {
      if (!autoMigrate)
        throw new SchemaBehindError(
          `the database schema at ${redactDsn(dsn)} is behind (${state.pending.length} pending migration(s): ${state.pending.join(', ')}); run \`keysmith migrate up\` or set db.auto_migrate=true (KEYSMITH_DB_AUTO_MIGRATE=true)`,
        );
      const applied = await migrateUp(store);
      logger.info({ applied }, 'database migrated');
    }
  } catch (e) {
    await store.close();
    await tracing?.shutdown();
    throw e;
  }

  const projects = new ProjectService({
    store,
    cipher,
    defaults: config.projects.defaults,
    plans: config.plans,
    defaultPlan: config.projects.default_plan,
    clock,
    ids,
  });
  const tokens = new TokenService(store.tokens, clock, ids);
  const promMetrics = new Metrics();
  const cache = new KeyCache(config.cache.max_entries, clock);
  promMetrics.trackCache(() => ({ ...cache.stats, entries: cache.size }));
  promMetrics.trackDbPool(() => store.poolStats());
  const bus = await startInvalidationBus(dsn, store, logger, config.redis);
  // Negative cache of imported keys (ADR 0009): only where every change is pushed to every node.
  const negative = bus.entryTtlCapMs === null ? new ImportedHashFilters(config.cache.filter_max_bytes, clock, logger) : null;
  // Imports answer once every live node has them (cache/import-receipts.ts): their own receipts go out here.
  const receipts = new ImportReceipts();
  const receiptSender = bus.nodeId
    ? new ReceiptSender(
        bus.nodeId,
        (m) => bus.publish(m),
        () => clock.now(),
      )
    : null;
  bus.onMessage((m) => {
    if (m.kind === 'applied') return receipts.applied(m.nodeId, m.projectId, m.heads);
    if (Number.isFinite(m.sentAt)) promMetrics.invalidationLag.observe({ kind: m.kind }, Math.max(0, clock.now() - m.sentAt) / 1000);
    if (m.kind === 'key') cache.invalidate(m.projectId, m.keyId);
    else if (m.kind === 'hashes') {
      negative?.add(m.projectId, m.hashes);
      receipts.seen(m.projectId, m.hashes);
      receiptSender?.applied(m.projectId, m.hashes);
    }
  });
  bus.onReset(() => {
    cache.clear();
    negative?.clear();
  });
  // Every import: known to this node's negative cache at once, and to every other live node before the
  // importer hears back — the response waits (≤ 1 s) for this node's echo and the others' receipts.
  const keysImported = async (projectId: string, hashes: string[]) => {
    if (!negative) return;
    negative.add(projectId, hashes);
    const back = bus.echoes && bus.healthy ? receipts.wait(projectId, hashes, bus.receiptPeers?.() ?? [], IMPORT_RECEIPTS_WAIT_MS) : null;
    await bus.publish({ kind: 'hashes', projectId, hashes, sentAt: clock.now() });
    await back;
  };
  // Every revoke, update, rotate and delete: forget the key here at once, and tell the other nodes.
  const keyChanged = (projectId: string, keyId: string) => {
    promMetrics.keyChanges.inc();
    cache.invalidate(projectId, keyId);
    void bus.publish({ kind: 'key', projectId, keyId, sentAt: clock.now() });
  };
  const issuedKeys = new IssuedKeyService(clock, ids, keyChanged);
  const importedKeys = new ImportedKeyService(clock, ids, keyChanged, keysImported);
  const lastUsed = new LastUsedRecorder(store, logger);
  lastUsed.start();
  // Redis configured → one budget per key shared by all nodes; else per node. Redis down → fail open.
  const rateLimiter = await startRateLimiter(config.redis, logger);
  const rateLimit = new RateLimitStep(rateLimiter, clock, (decision) => promMetrics.rateLimitDecisions.inc({ decision }));
  const pipeline = new VerifyPipeline(clock, {
    cache: { cache, usable: () => bus.healthy, ttlCapMs: bus.entryTtlCapMs, negative },
    lastUsed,
    rateLimit,
    proofMemo: new ProofMemo(config.cache.max_entries),
  });
  if (tracing) tracePipeline(pipeline, tracing);
  const derive = new DeriveService(pipeline, clock, ids);
  const selfRevoke = new SelfRevocation(pipeline, { issued: issuedKeys, imported: importedKeys }, clock);
  const bootstrap = await bootstrapDefaultProject({ store, projects, tokens }, config.projects.default_slug, config.admin_token);

  const audit = new AuditLog(store.audit, clock, ids, logger);
  audit.start();
  const retention = new AuditRetention(store.audit, clock, config.audit.retention, logger);
  retention.start();
  const publicTenants = new PublicTenantResolver(store.projects, {
    baseDomain: config.serve.http.base_domain,
    trustForwardedHost: config.serve.http.trust_forwarded_host,
    defaultSlug: config.projects.default_slug,
  });
  const httpDeps = {
    logger,
    clock,
    store,
    projects,
    tokens,
    issuedKeys,
    importedKeys,
    derive,
    selfRevoke,
    pipeline,
    audit,
    metrics: promMetrics,
    operatorAuth: new OperatorAuth(config.operator_token),
    operatorCursorKey: cipher.deriveKey('operator-page-token'),
    publicTenants,
    newId: () => ids.uuid(),
    secret: (n: number) => ids.secret(n),
    bodyLimit: config.serve.http.body_limit,
    verifyLane: config.serve.http.verify_lane,
    tracing,
  };
  const api = await buildApiServer(httpDeps, overrides.mode ?? 'all');
  const metrics = await buildMetricsServer({ ...httpDeps, tracing: null }); // scrapes and probes are not traced
  await api.ready();
  await metrics.ready();

  return {
    config,
    logger,
    store,
    clock,
    audit,
    lastUsed,
    projects,
    tokens,
    issuedKeys,
    pipeline,
    api,
    metrics,
    bootstrap,
    async close() {
      await api.close();
      await metrics.close();
      retention.stop();
      await bus.close();
      await rateLimiter.close();
      await lastUsed.close(); // writes the last minute's uses
      await audit.close(); // flushes aggregated verification failures
      await store.close();
      await tracing?.shutdown(); // flushes the spans still queued in the batch processor
    },
  };
}

/** Builds the app and listens on both ports. */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<KeysmithApp> {
  const app = await buildApp(config, overrides);
  try {
    await app.api.listen({ host: config.serve.http.host, port: config.serve.http.port });
    await app.metrics.listen({ host: config.serve.metrics.host, port: config.serve.metrics.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  return app;
}

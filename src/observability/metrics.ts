import client from 'prom-client';
import { CounterCells } from './counter-cells.js';

/**
 * Prometheus metrics (served on the metrics port at /metrics). Label values are bounded sets only —
 * route patterns, credential types, result codes — never a key, project id or URL.
 */
export class Metrics {
  readonly registry = new client.Registry();
  /** Hot-path increments of `verifications` and `httpRequests`, moved into them on scrape (counter-cells.ts). */
  readonly verificationCells = new CounterCells(['type', 'result']);
  readonly httpRequestCells = new CounterCells(['method', 'route', 'status']);
  readonly verifications: client.Counter<'type' | 'result'> = new client.Counter({
    name: 'keysmith_verifications_total',
    help: 'Verifications by credential type and result (valid or the error code).',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
    collect: (): void => this.verificationCells.drainInto(this.verifications),
  });
  readonly verifyDuration = new client.Histogram({
    name: 'keysmith_verification_duration_seconds',
    help: 'Time to verify one credential (the pipeline, not the HTTP request), by cache outcome.',
    labelNames: ['cache'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [this.registry],
  });
  readonly httpRequests: client.Counter<'method' | 'route' | 'status'> = new client.Counter({
    name: 'keysmith_http_requests_total',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    collect: (): void => this.httpRequestCells.drainInto(this.httpRequests),
  });
  readonly keyChanges = new client.Counter({
    name: 'keysmith_key_changes_total',
    help: 'Key changes that invalidate caches (revoke, update, rotate, delete).',
    registers: [this.registry],
  });
  /** Publish → receipt on this node of invalidation-bus messages (the revocation bound is 1 s). */
  readonly invalidationLag = new client.Histogram({
    name: 'keysmith_cache_invalidation_lag_seconds',
    help: 'Time from publishing an invalidation-bus message (key change or import) to its receipt on this node (clocks of two nodes).',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly rateLimitDecisions = new client.Counter({
    name: 'keysmith_ratelimit_decisions_total',
    help: 'Rate-limit decisions on verify: allowed, limited, or fail_open (the shared limiter was unreachable).',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) client.collectDefaultMetrics({ register: this.registry, prefix: 'keysmith_' });
  }

  verification(type: string, result: string, cache: string, seconds: number): void {
    this.verificationCells.inc(type, result);
    this.verifyDuration.observe({ cache }, seconds);
  }

  /**
   * Verify-cache counters and size, read from the cache's plain integers on scrape (the hot path never
   * touches prom-client for them). `keysmith_cache_evictions_total` counts LRU evictions only.
   */
  trackCache(read: () => { hits: number; misses: number; evictions: number; entries: number }): void {
    new client.Counter({
      name: 'keysmith_cache_requests_total',
      help: 'Verify-cache reads by result (hit or miss; reads skipped by Cache-Control are not counted).',
      labelNames: ['result'] as const,
      registers: [this.registry],
      collect() {
        const s = read();
        this.reset();
        this.inc({ result: 'hit' }, s.hits);
        this.inc({ result: 'miss' }, s.misses);
      },
    });
    new client.Counter({
      name: 'keysmith_cache_evictions_total',
      help: 'Verify-cache entries evicted because the cache was full (LRU), not invalidations or expiries.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read().evictions);
      },
    });
    new client.Gauge({
      name: 'keysmith_cache_entries',
      help: 'Key records in the verify cache.',
      registers: [this.registry],
      collect() {
        this.set(read().entries);
      },
    });
  }

  /** Database connection pool occupancy, read on scrape. No series where the store has no pool (SQLite). */
  trackDbPool(read: () => { total: number; idle: number; waiting: number } | null): void {
    if (read() === null) return;
    new client.Gauge({
      name: 'keysmith_db_pool_connections',
      help: 'Database pool connections: total open, idle, and callers waiting for one.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const s = read();
        if (!s) return;
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

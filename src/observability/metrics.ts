import client from 'prom-client';

/**
 * Prometheus metrics (served on the metrics port at /metrics). Label values are bounded sets only —
 * route patterns, credential types, result codes — never a key, project id or URL.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly verifications = new client.Counter({
    name: 'keysmith_verifications_total',
    help: 'Verifications by credential type and result (valid or the error code).',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });
  readonly verifyDuration = new client.Histogram({
    name: 'keysmith_verification_duration_seconds',
    help: 'Time to verify one credential (the pipeline, not the HTTP request), by cache outcome.',
    labelNames: ['cache'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [this.registry],
  });
  readonly httpRequests = new client.Counter({
    name: 'keysmith_http_requests_total',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly keyChanges = new client.Counter({
    name: 'keysmith_key_changes_total',
    help: 'Key changes that invalidate caches (revoke, update, rotate, delete).',
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) client.collectDefaultMetrics({ register: this.registry, prefix: 'keysmith_' });
  }

  verification(type: string, result: string, cache: string, seconds: number): void {
    this.verifications.inc({ type, result });
    this.verifyDuration.observe({ cache }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

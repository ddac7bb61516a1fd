import type { AuditLog } from '../../audit/audit-log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { VerificationUsage } from '../../observability/verification-usage.js';
import type { Clock } from '../../shared/clock.js';
import { cacheModeOf } from '../../verify/cached-lookup.js';
import { clientIp, type Headers } from '../../verify/client-ip.js';
import type { VerifyPipeline } from '../../verify/pipeline.js';
import type { VerifyOutcome } from '../../verify/verify-result.js';
import { toVerifyResponse } from '../../verify/verify-view.js';
import { rateLimitHeaders } from '../rate-limit-headers.js';
import type { Tenant } from '../tenant.js';

export interface VerifyEndpointDeps {
  pipeline: VerifyPipeline;
  metrics: Metrics;
  audit: AuditLog;
  clock: Clock;
  /** Per-project, per-minute counts for the console's chart (absent: not counted). */
  usage?: VerificationUsage;
}

/** What an HTTP layer sends back for a verify call: the JSON body and the headers specific to verify. */
export interface VerifyReply {
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/**
 * `apiKeys:verify` and `apiKeys:batchVerify` once the caller is authenticated and the body validated —
 * transport-free, so the Fastify routes (routes/admin/verify.ts) and the node:http fast path
 * (fast-verify.ts) answer byte for byte the same. Every response header that depends on the outcome
 * (cache status, rate limits) is decided here, and everything counted per verification (metrics,
 * audit failures, the console's usage chart) is counted here — nowhere else.
 */
export class VerifyEndpoint {
  constructor(private readonly deps: VerifyEndpointDeps) {}

  async single(tenant: Tenant, credential: string, peer: string | undefined, headers: Headers): Promise<VerifyReply> {
    const { ctx, keys } = tenant;
    const ip = clientIp(ctx.clientIpSource, ctx.trustedProxies, peer, headers);
    const started = performance.now();
    const outcome = await this.deps.pipeline.verify(ctx, keys, credential, ip, cacheModeOf(headers));
    const cache = outcome.cache ?? 'SKIP';
    this.deps.metrics.verification(outcome.type, outcome.valid ? 'valid' : (outcome.error ?? 'invalid'), cache, (performance.now() - started) / 1000);
    this.noteFailure(ctx.id, outcome);
    const now = this.deps.clock.now();
    this.deps.usage?.record(ctx.id, now, outcome.valid ? 1 : 0, outcome.valid ? 0 : 1);
    return { body: toVerifyResponse(outcome, ctx.issuer, now), headers: { 'ory-talos-cache': cache, ...rateLimitHeaders(outcome, now) } };
  }

  async batch(tenant: Tenant, credentials: readonly string[], peer: string | undefined, headers: Headers): Promise<VerifyReply> {
    const { ctx, keys } = tenant;
    const ip = clientIp(ctx.clientIpSource, ctx.trustedProxies, peer, headers);
    const outcomes = await this.deps.pipeline.verifyBatch(ctx, keys, credentials, ip, cacheModeOf(headers));
    const now = this.deps.clock.now();
    let valid = 0;
    for (const o of outcomes) {
      this.deps.metrics.verificationCells.inc(o.type, o.valid ? 'valid' : (o.error ?? 'invalid'));
      this.noteFailure(ctx.id, o);
      if (o.valid) valid++;
    }
    this.deps.usage?.record(ctx.id, now, valid, outcomes.length - valid);
    return { body: { results: outcomes.map((o) => toVerifyResponse(o, ctx.issuer, now)) }, headers: {} };
  }

  /** Aggregated in memory, flushed once a minute: a flood of bad credentials costs no writes here. */
  private noteFailure(projectId: string, o: VerifyOutcome): void {
    if (!o.valid && o.error) this.deps.audit.verificationFailed(projectId, o.error, o.key?.keyId ?? null);
  }
}

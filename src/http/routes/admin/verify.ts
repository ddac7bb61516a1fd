import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { Clock } from '../../../shared/clock.js';
import type { Permission } from '../../../tenancy/permissions.js';
import type { VerifyPipeline } from '../../../verify/pipeline.js';
import { cacheModeOf } from '../../../verify/cached-lookup.js';
import { clientIp } from '../../../verify/client-ip.js';
import { toVerifyResponse } from '../../../verify/verify-view.js';
import { ErrorSchema } from '../../schemas/common.js';
import { BatchVerifyRequest, BatchVerifyResponse, VerifyRequest, VerifyResponse } from '../../schemas/verify.js';
import { tenantOf } from '../../tenant.js';

export interface VerifyRouteDeps {
  pipeline: VerifyPipeline;
  metrics: Metrics;
  audit: AuditLog;
  clock: Clock;
  guard: (p: Permission) => onRequestAsyncHookHandler;
}

/** POST /v2alpha1/admin/apiKeys:verify — always 200 with is_valid; only a malformed body is a 400. */
export function registerVerifyRoutes(app: FastifyInstance, deps: VerifyRouteDeps): void {
  app.post<{ Body: { credential: string } }>(
    '/v2alpha1/admin/apiKeys::verify',
    {
      schema: { operationId: 'adminVerifyApiKey', tags: ['verification'], body: VerifyRequest, response: { 200: VerifyResponse, default: ErrorSchema } },
      onRequest: deps.guard('verify'),
    },
    async (request, reply) => {
      const { ctx, keys } = tenantOf(request);
      const ip = clientIp(ctx.clientIpSource, ctx.trustedProxies, request.socket.remoteAddress, request.headers);
      const started = performance.now();
      const outcome = await deps.pipeline.verify(ctx, keys, request.body.credential, ip, cacheModeOf(request.headers));
      deps.metrics.verification(
        outcome.type,
        outcome.valid ? 'valid' : (outcome.error ?? 'invalid'),
        outcome.cache ?? 'SKIP',
        (performance.now() - started) / 1000,
      );
      reply.header('ory-talos-cache', outcome.cache ?? 'SKIP');
      // Aggregated in memory, flushed once a minute: a flood of bad credentials costs no writes here.
      if (!outcome.valid && outcome.error) deps.audit.verificationFailed(ctx.id, outcome.error, outcome.key?.keyId ?? null);
      return toVerifyResponse(outcome, ctx.issuer, deps.clock.now());
    },
  );

  app.post<{ Body: { requests: { credential: string }[] } }>(
    '/v2alpha1/admin/apiKeys::batchVerify',
    {
      schema: {
        operationId: 'adminBatchVerifyApiKeys',
        tags: ['verification'],
        body: BatchVerifyRequest,
        response: { 200: BatchVerifyResponse, default: ErrorSchema },
      },
      onRequest: deps.guard('verify'),
    },
    async (request) => {
      const { ctx, keys } = tenantOf(request);
      const ip = clientIp(ctx.clientIpSource, ctx.trustedProxies, request.socket.remoteAddress, request.headers);
      const outcomes = await deps.pipeline.verifyBatch(
        ctx,
        keys,
        request.body.requests.map((r) => r.credential),
        ip,
        cacheModeOf(request.headers),
      );
      const now = deps.clock.now();
      for (const o of outcomes) {
        deps.metrics.verifications.inc({ type: o.type, result: o.valid ? 'valid' : (o.error ?? 'invalid') });
        if (!o.valid && o.error) deps.audit.verificationFailed(ctx.id, o.error, o.key?.keyId ?? null);
      }
      return { results: outcomes.map((o) => toVerifyResponse(o, ctx.issuer, now)) };
    },
  );
}

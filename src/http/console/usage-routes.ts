import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { VerificationUsage } from '../../observability/verification-usage.js';
import type { ProjectService } from '../../projects/project-service.js';
import type { Clock } from '../../shared/clock.js';
import type { Permission } from '../../tenancy/permissions.js';
import { tenantOf } from '../tenant.js';

/**
 * GET /console/api/usage: the caller project's quota usage and its verifications per minute for the
 * last hour (counted by http/verify/verify-endpoint.ts, whichever HTTP path served them).
 */
export function registerUsageRoutes(
  app: FastifyInstance,
  deps: { usage: VerificationUsage; projects: ProjectService; clock: Clock; guard: (p: Permission) => onRequestAsyncHookHandler },
): void {
  app.get('/console/api/usage', { schema: { hide: true }, onRequest: deps.guard('read') }, async (request) => {
    const { ctx } = tenantOf(request);
    const usage = await deps.projects.usage(await deps.projects.get(ctx.id));
    return {
      project_id: ctx.id,
      active_keys: usage.activeKeys,
      max_active_keys: usage.maxActiveKeys,
      verifications: deps.usage.series(ctx.id, deps.clock.now()).map((m) => ({ minute: new Date(m.minute).toISOString(), valid: m.valid, invalid: m.invalid })),
    };
  });
}

import type { FastifyInstance, onRequestAsyncHookHandler, onSendHookHandler } from 'fastify';
import type { VerificationUsage } from '../../observability/verification-usage.js';
import type { ProjectService } from '../../projects/project-service.js';
import type { Clock } from '../../shared/clock.js';
import type { Permission } from '../../tenancy/permissions.js';
import { tenantOf } from '../tenant.js';

const VERIFY = '/v2alpha1/admin/apiKeys::verify';
const VERIFY_ROUTES = new Set([VERIFY, '/v2alpha1/admin/apiKeys::batchVerify']);
const VALID = '"is_valid":true';

/** Valid results in a verify or batch-verify response body (as serialised by verify-view: compact JSON). */
function countValid(payload: string): number {
  let n = 0;
  for (let i = payload.indexOf(VALID); i !== -1; i = payload.indexOf(VALID, i + VALID.length)) n++;
  return n;
}

/**
 * Counts verifications per project and minute (an onSend hook on the two verify routes), and serves them with the quota usage at GET /console/api/usage.
 */
export function registerUsageRoutes(
  app: FastifyInstance,
  deps: { usage: VerificationUsage; projects: ProjectService; clock: Clock; guard: (p: Permission) => onRequestAsyncHookHandler },
): void {
  // Attached to the two verify routes only (onRoute runs before they are registered): no other route pays for it.
  const count: onSendHookHandler = (request, reply, payload, done) => {
    if (reply.statusCode === 200 && request.tenant && typeof payload === 'string') {
      const valid = countValid(payload);
      const total = request.routeOptions.url === VERIFY ? 1 : ((request.body as { requests?: unknown[] }).requests?.length ?? 0);
      deps.usage.record(request.tenant.ctx.id, deps.clock.now(), valid, Math.max(0, total - valid));
    }
    done(null, payload);
  };
  app.addHook('onRoute', (route) => {
    if (!VERIFY_ROUTES.has(route.url)) return;
    const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...existing, count];
  });

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

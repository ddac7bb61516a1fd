import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../../../shared/clock.js';
import type { Permission } from '../../../tenancy/permissions.js';
import type { VerifyPipeline } from '../../../verify/pipeline.js';
import { toVerifyResponse } from '../../../verify/verify-view.js';
import { ErrorSchema } from '../../schemas/common.js';
import { VerifyRequest, VerifyResponse } from '../../schemas/verify.js';
import { tenantOf } from '../../tenant.js';

export interface VerifyRouteDeps {
  pipeline: VerifyPipeline;
  clock: Clock;
  guard: (p: Permission) => preHandlerAsyncHookHandler;
}

/** POST /v2alpha1/admin/apiKeys:verify — always 200 with is_valid; only a malformed body is a 400. */
export function registerVerifyRoutes(app: FastifyInstance, deps: VerifyRouteDeps): void {
  app.post<{ Body: { credential: string } }>(
    '/v2alpha1/admin/apiKeys::verify',
    {
      schema: { operationId: 'adminVerifyApiKey', tags: ['verification'], body: VerifyRequest, response: { 200: VerifyResponse, default: ErrorSchema } },
      preHandler: deps.guard('verify'),
    },
    async (request) => {
      const { ctx, keys } = tenantOf(request);
      const outcome = await deps.pipeline.verify(ctx, keys, request.body.credential);
      return toVerifyResponse(outcome, ctx.issuer, deps.clock.now());
    },
  );
}

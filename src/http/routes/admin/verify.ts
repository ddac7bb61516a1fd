import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Permission } from '../../../tenancy/permissions.js';
import { ErrorSchema } from '../../schemas/common.js';
import { BatchVerifyRequest, BatchVerifyResponse, VerifyRequest, VerifyResponse } from '../../schemas/verify.js';
import { tenantOf } from '../../tenant.js';
import type { VerifyEndpoint } from '../../verify/verify-endpoint.js';

export interface VerifyRouteDeps {
  endpoint: VerifyEndpoint;
  guard: (p: Permission) => onRequestAsyncHookHandler;
}

/**
 * POST /v2alpha1/admin/apiKeys:verify — always 200 with is_valid; only a malformed body is a 400.
 * The work (and every outcome-dependent header: cache status, rate limits) is in VerifyEndpoint, shared
 * with the node:http fast path that serves this route on a listening server (http/verify/fast-verify.ts).
 */
export function registerVerifyRoutes(app: FastifyInstance, deps: VerifyRouteDeps): void {
  app.post<{ Body: { credential: string } }>(
    '/v2alpha1/admin/apiKeys::verify',
    {
      schema: { operationId: 'adminVerifyApiKey', tags: ['verification'], body: VerifyRequest, response: { 200: VerifyResponse, default: ErrorSchema } },
      onRequest: deps.guard('verify'),
    },
    async (request, reply) => {
      const r = await deps.endpoint.single(tenantOf(request), request.body.credential, request.socket.remoteAddress, request.headers);
      reply.headers(r.headers);
      return r.body;
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
    async (request, reply) => {
      const r = await deps.endpoint.batch(
        tenantOf(request),
        request.body.requests.map((x) => x.credential),
        request.socket.remoteAddress,
        request.headers,
      );
      reply.headers(r.headers);
      return r.body;
    },
  );
}

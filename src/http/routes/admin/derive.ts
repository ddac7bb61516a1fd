import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { Permission } from '../../../tenancy/permissions.js';
import type { DeriveService } from '../../../tokens/derive-service.js';
import { cleanScopes } from '../../../keys/key-input.js';
import { auditRequest } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import { DeriveRequest, DeriveResponse } from '../../schemas/derive.js';
import { tenantOf } from '../../tenant.js';

/** POST /v2alpha1/admin/apiKeys:derive — a short-lived JWT or macaroon from a long-lived key (SPEC §3). */
export function registerDeriveRoute(
  app: FastifyInstance,
  deps: { derive: DeriveService; audit: AuditLog; guard: (p: Permission) => onRequestAsyncHookHandler },
): void {
  app.post<{ Body: { credential: string; algorithm?: string; ttl?: string; scopes?: string[]; custom_claims?: Record<string, unknown> } }>(
    '/v2alpha1/admin/apiKeys::derive',
    {
      schema: { operationId: 'adminDeriveToken', tags: ['derived tokens'], body: DeriveRequest, response: { 200: DeriveResponse, default: ErrorSchema } },
      onRequest: deps.guard('verify'),
    },
    async (request) => {
      const { ctx, keys } = tenantOf(request);
      const b = request.body;
      const t = await deps.derive.derive(ctx, keys, {
        credential: b.credential,
        algorithm: b.algorithm === 'TOKEN_ALGORITHM_MACAROON' ? 'macaroon' : 'jwt',
        ttl: b.ttl,
        scopes: cleanScopes(b.scopes),
        customClaims: b.custom_claims,
      });
      await auditRequest(deps.audit, request, ctx.id, { action: 'key.derive', keyId: t.claims.sub, details: { jti: t.claims.jti, exp: t.claims.exp } });
      return { token: { token: t.token, expire_time: new Date(t.expiresAt).toISOString(), scopes: t.scopes, claims: t.claims } };
    },
  );
}

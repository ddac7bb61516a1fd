import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../../../audit/audit-log.js';
import { keyNotFound } from '../../../errors/app-error.js';
import type { KeyLifecycle } from '../../../keys/key-lifecycle.js';
import { parseRevocation } from '../../../keys/key-input.js';
import type { KeyKind } from '../../../store/records.js';
import type { Permission } from '../../../tenancy/permissions.js';
import { pathKeyId } from '../../key-id.js';
import { auditRequest } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import { KeyIdParams, RevokeRequest } from '../../schemas/issued-keys.js';
import { tenantOf } from '../../tenant.js';

/** POST /v2alpha1/admin/apiKeys/{key_id}:revoke — the alias Talos guides use, for a key of either kind. */
export function registerRevokeAnyRoute(
  app: FastifyInstance,
  deps: { lifecycles: Record<KeyKind, KeyLifecycle>; audit: AuditLog; guard: (p: Permission) => onRequestAsyncHookHandler },
): void {
  app.post<{ Params: { key_id: string }; Body: { reason?: string; description?: string } }>(
    '/v2alpha1/admin/apiKeys/:key_id(^[^:/]+)::revoke',
    {
      schema: {
        operationId: 'adminRevokeApiKey',
        tags: ['issued keys', 'imported keys'],
        params: KeyIdParams,
        body: RevokeRequest,
        response: { 204: { type: 'null', description: 'Revoked.' }, default: ErrorSchema },
      },
      onRequest: deps.guard('admin'),
    },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const keyId = pathKeyId(request.params.key_id);
      const revocation = parseRevocation(request.body?.reason, request.body?.description);
      const key = await store.getById(keyId);
      if (!key) throw keyNotFound();
      await deps.lifecycles[key.kind].revoke(ctx, store, keyId, revocation);
      await auditRequest(deps.audit, request, ctx.id, { action: 'key.revoke', keyId, reason: `REVOCATION_REASON_${revocation.reason}` });
      return reply.code(204).send();
    },
  );
}

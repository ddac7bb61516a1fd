import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../../../audit/audit-log.js';
import { SELF_ACTOR } from '../../../audit/audit-actor.js';
import type { SelfRevocation } from '../../../keys/self-revoke.js';
import { parseRevocation } from '../../../keys/key-input.js';
import type { ProjectService } from '../../../projects/project-service.js';
import type { Store } from '../../../store/ports.js';
import type { PublicTenantResolver } from '../../../tenancy/public-tenant.js';
import { clientIp } from '../../../verify/client-ip.js';
import { ErrorSchema } from '../../schemas/common.js';
import { SelfRevokeRequest } from '../../schemas/derive.js';
import { Type } from 'typebox';

/**
 * POST /v2alpha1/apiKeys:selfRevoke — public, unauthenticated: whoever holds a key may revoke it.
 * The project comes from the host or a /projects/<slug> prefix.
 */
export function registerSelfRevokeRoute(
  app: FastifyInstance,
  deps: { tenants: PublicTenantResolver; projects: ProjectService; store: Store; selfRevoke: SelfRevocation; audit: AuditLog },
): void {
  for (const [prefix, operationId] of [
    ['', 'revokeApiKey'],
    ['/projects/:slug', 'revokeApiKeyForProject'],
  ]) {
    app.post<{ Body: { credential: string; reason?: string; description?: string } }>(
      `${prefix}/v2alpha1/apiKeys::selfRevoke`,
      {
        schema: {
          operationId,
          tags: ['public'],
          security: [],
          ...(prefix ? { params: Type.Object({ slug: Type.String({ maxLength: 63 }) }) } : {}),
          body: SelfRevokeRequest,
          response: { 200: Type.Object({}), default: ErrorSchema },
        },
      },
      async (request) => {
        const projectId = await deps.tenants.resolve(request.headers, (request.params as { slug?: string }).slug);
        const ctx = await deps.projects.context(projectId);
        const b = request.body;
        const reason = b.reason ? parseRevocation(b.reason, undefined).reason : undefined;
        const ip = clientIp(ctx.clientIpSource, ctx.trustedProxies, request.socket.remoteAddress, request.headers);
        const r = await deps.selfRevoke.revoke(ctx, deps.store.keys(ctx.id), { credential: b.credential, reason, clientIp: ip });
        if (!r.alreadyRevoked)
          await deps.audit.record(ctx.id, {
            action: 'key.self_revoke',
            actor: SELF_ACTOR,
            keyId: r.keyId,
            reason: `REVOCATION_REASON_${reason ?? 'KEY_COMPROMISE'}`,
            requestId: request.id,
          });
        return {};
      },
    );
  }
}

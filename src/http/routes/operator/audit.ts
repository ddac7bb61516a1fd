import type { FastifyInstance } from 'fastify';
import type { AuditStore } from '../../../store/ports.js';
import { projectOf } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import { AuditQuerySchema, ListAuditResponse, ProjectRef } from '../../schemas/operator.js';
import { pageSizeOf } from './cursor.js';
import { type OperatorRouteDeps, PROJECT_PATH } from './projects.js';
import { toAuditEvent } from './views.js';

/** The project's audit log, newest first, filtered by action / key / actor, keyset-paginated. */
export function registerAuditRoutes(app: FastifyInstance, deps: OperatorRouteDeps & { auditStore: AuditStore }): void {
  const { auditStore, cursors, guard } = deps;
  app.get<{ Querystring: { page_size?: string; page_token?: string; action?: string; key_id?: string; actor?: string } }>(
    `${PROJECT_PATH}/auditEvents`,
    {
      schema: {
        operationId: 'operatorListAuditEvents',
        tags: ['operator: audit'],
        security: [{ operator: [] }],
        params: ProjectRef,
        querystring: AuditQuerySchema,
        response: { 200: ListAuditResponse, default: ErrorSchema },
      },
      onRequest: guard,
    },
    async (request) => {
      const p = projectOf(request);
      const q = request.query;
      const limit = pageSizeOf(q.page_size);
      // The cursor is bound to the project and the filter, like key page tokens.
      const list = `audit|${p.id}|${q.action ?? ''}|${q.key_id ?? ''}|${q.actor ?? ''}`;
      const before = q.page_token ? cursors.decode(list, q.page_token) : undefined;
      const rows = await auditStore.list(p.id, {
        action: q.action || undefined,
        keyId: q.key_id || undefined,
        actor: q.actor || undefined,
        beforeEventId: before,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        audit_events: page.map(toAuditEvent),
        next_page_token: rows.length > limit ? cursors.encode(list, page[page.length - 1].eventId) : '',
      };
    },
  );
}

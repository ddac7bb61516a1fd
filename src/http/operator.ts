import type { FastifyRequest } from 'fastify';
import { OPERATOR_ACTOR, tokenActor } from '../audit/audit-actor.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { ProjectService } from '../projects/project-service.js';
import type { ProjectRecord } from '../store/records.js';
import type { OperatorAuth } from '../tenancy/operator-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    operator?: true;
    project?: ProjectRecord;
  }
}

/** onRequest hook of every operator route: the operator token (before any body parsing), then the project named in the path. */
export function requireOperator(auth: OperatorAuth, projects: ProjectService) {
  return async (request: FastifyRequest): Promise<void> => {
    auth.authenticate(request.headers.authorization);
    request.operator = true;
    const ref = (request.params as { project?: string } | undefined)?.project;
    if (ref !== undefined) request.project = await projects.get(ref);
  };
}

export function projectOf(request: FastifyRequest): ProjectRecord {
  if (!request.project) throw new Error('operator route without a resolved project');
  return request.project;
}

/** Records an audit event for the request's caller (token id or operator) and request id. */
export function auditRequest(audit: AuditLog, request: FastifyRequest, projectId: string, entry: Omit<AuditEntry, 'actor' | 'requestId'>): Promise<void> {
  const actor = request.tenant ? tokenActor(request.tenant.principal) : request.operator ? OPERATOR_ACTOR : 'unknown';
  return audit.record(projectId, { ...entry, actor, requestId: request.id });
}

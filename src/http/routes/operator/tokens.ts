import type { FastifyInstance } from 'fastify';
import { AppError, invalidArgument } from '../../../errors/app-error.js';
import { parseTtl } from '../../../shared/duration.js';
import type { Permission } from '../../../tenancy/permissions.js';
import type { TokenService } from '../../../tenancy/token-service.js';
import { auditRequest, projectOf } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import { CreateTokenRequest, CreateTokenResponse, ListTokensResponse, ProjectRef, ProjectTokenRef } from '../../schemas/operator.js';
import { type OperatorRouteDeps, PROJECT_PATH } from './projects.js';
import { toToken } from './views.js';

const tags = ['operator: tokens'];
const errors = { default: ErrorSchema };
const security = [{ operator: [] }];

/** Project API tokens (ks_pat_…): create (secret shown once), list, revoke. */
export function registerTokenRoutes(app: FastifyInstance, deps: OperatorRouteDeps & { tokens: TokenService }): void {
  const { tokens, audit, guard } = deps;

  app.post<{ Body: { name: string; permissions: Permission[]; ttl?: string } }>(
    `${PROJECT_PATH}/tokens`,
    {
      schema: {
        operationId: 'operatorCreateToken',
        tags,
        security,
        params: ProjectRef,
        body: CreateTokenRequest,
        response: { 201: CreateTokenResponse, ...errors },
      },
      onRequest: guard,
    },
    async (request, reply) => {
      const p = projectOf(request);
      const b = request.body;
      if (!b.name.trim()) throw invalidArgument('name must not be empty.', 'name');
      let ttlMs: number | undefined;
      if (b.ttl !== undefined) {
        const ttl = parseTtl(b.ttl);
        if (!ttl.ok) throw invalidArgument(`ttl: ${ttl.reason}`, 'ttl');
        ttlMs = ttl.ms;
      }
      const permissions = [...new Set(b.permissions)];
      const { token, record } = await tokens.create(p.id, b.name, permissions, undefined, ttlMs);
      await auditRequest(audit, request, p.id, { action: 'token.create', details: { token_id: record.tokenId, permissions } });
      reply.code(201);
      return { token: toToken(record), secret: token };
    },
  );

  app.get(
    `${PROJECT_PATH}/tokens`,
    { schema: { operationId: 'operatorListTokens', tags, security, params: ProjectRef, response: { 200: ListTokensResponse, ...errors } }, onRequest: guard },
    async (request) => ({ tokens: (await tokens.list(projectOf(request).id)).map(toToken) }),
  );

  app.post<{ Params: { project: string; token_id: string } }>(
    `${PROJECT_PATH}/tokens/:token_id(^[^:/]+)::revoke`,
    {
      schema: { operationId: 'operatorRevokeToken', tags, security, params: ProjectTokenRef, response: { 204: { type: 'null' }, ...errors } },
      onRequest: guard,
    },
    async (request, reply) => {
      const p = projectOf(request);
      const tokenId = request.params.token_id.toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tokenId)) throw new AppError('TOKEN_NOT_FOUND', 'No such project API token.');
      await tokens.revoke(p.id, tokenId);
      await auditRequest(audit, request, p.id, { action: 'token.revoke', details: { token_id: tokenId } });
      reply.code(204);
    },
  );
}

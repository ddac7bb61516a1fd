import type {} from '@fastify/swagger';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { IssuedKeyService } from '../../../keys/key-service.js';
import { cleanCidrs, cleanMetadata, cleanRateLimit, cleanScopes, cleanText, parseRevocation, parseVisibility, resolveTtl } from '../../../keys/key-input.js';
import { toApiKey } from '../../../keys/key-view.js';
import { parseFilter } from '../../../keys/list-filter.js';
import type { Clock } from '../../../shared/clock.js';
import type { AuditLog } from '../../../audit/audit-log.js';
import { auditRequest } from '../../operator.js';
import type { Permission } from '../../../tenancy/permissions.js';
import { pathKeyId } from '../../key-id.js';
import { pageSizeOf } from '../../page-size.js';
import { ErrorSchema } from '../../schemas/common.js';
import {
  IssueRequest,
  IssueResponse,
  KeyIdParams,
  ListIssuedResponse,
  ListQuery,
  RevokeRequest,
  RotateRequest,
  RotateResponse,
  UpdateMaskQuery,
  UpdateRequest,
} from '../../schemas/issued-keys.js';
import { IssuedApiKeySchema } from '../../schemas/common.js';
import { tenantOf } from '../../tenant.js';
import { toPatch } from './update-request.js';

export interface IssuedKeyRouteDeps {
  keys: IssuedKeyService;
  clock: Clock;
  audit: AuditLog;
  guard: (p: Permission) => onRequestAsyncHookHandler;
}

const BASE = '/v2alpha1/admin/issuedApiKeys';
const tags = ['issued keys'];
const errors = { default: ErrorSchema };

type IssueBody = {
  name?: string;
  actor_id?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  ttl?: string;
  rate_limit_policy?: { quota: string | number; window: string; unit?: string };
  ip_restriction?: { allowed_cidrs?: string[] };
  visibility?: string;
  request_id?: string;
};

export function registerIssuedKeyRoutes(app: FastifyInstance, deps: IssuedKeyRouteDeps): void {
  const { keys, clock, guard, audit } = deps;

  app.post<{ Body: IssueBody }>(
    BASE,
    { schema: { operationId: 'adminIssueApiKey', tags, body: IssueRequest, response: { 201: IssueResponse, ...errors } }, onRequest: guard('admin') },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const b = request.body;
      const requestId = cleanText(b.request_id, 'request_id');
      const { key, secret } = await keys.issue(ctx, store, {
        name: cleanText(b.name, 'name'),
        actorId: cleanText(b.actor_id, 'actor_id'),
        scopes: cleanScopes(b.scopes),
        metadata: cleanMetadata(b.metadata),
        ttlMs: resolveTtl(b.ttl, ctx.defaultTtlMs, ctx.maxTtlMs),
        rateLimit: cleanRateLimit(b.rate_limit_policy),
        allowedCidrs: cleanCidrs(b.ip_restriction?.allowed_cidrs),
        visibility: parseVisibility(b.visibility),
        requestId,
      });
      if (secret) await auditRequest(audit, request, ctx.id, { action: 'key.issue', keyId: key.keyId });
      reply.code(201).header('location', `${BASE}/${key.keyId}`);
      return { issued_api_key: toApiKey(key, clock.now()), ...(secret ? { secret } : {}) };
    },
  );

  app.get<{ Querystring: { page_size?: string; page_token?: string; filter?: string } }>(
    BASE,
    {
      schema: { operationId: 'adminListIssuedApiKeys', tags, querystring: ListQuery, response: { 200: ListIssuedResponse, ...errors } },
      onRequest: guard('read'),
    },
    async (request) => {
      const { ctx, keys: store } = tenantOf(request);
      const q = request.query;
      const pageSize = pageSizeOf(q.page_size);
      const filterText = q.filter ?? '';
      const page = await keys.list(ctx, store, { pageSize, pageToken: q.page_token || undefined, filterText, filter: parseFilter(filterText) });
      const now = clock.now();
      return { issued_api_keys: page.keys.map((k) => toApiKey(k, now)), next_page_token: page.nextPageToken };
    },
  );

  app.get<{ Params: { key_id: string } }>(
    `${BASE}/:key_id(^[^:/]+)`,
    { schema: { operationId: 'adminGetIssuedApiKey', tags, params: KeyIdParams, response: { 200: IssuedApiKeySchema, ...errors } }, onRequest: guard('read') },
    async (request) => {
      const { keys: store } = tenantOf(request);
      return toApiKey(await keys.get(store, pathKeyId(request.params.key_id)), clock.now());
    },
  );

  app.patch<{ Params: { key_id: string }; Querystring: { update_mask?: string } }>(
    `${BASE}/:key_id(^[^:/]+)`,
    {
      schema: {
        operationId: 'adminUpdateIssuedApiKey',
        tags,
        params: KeyIdParams,
        querystring: UpdateMaskQuery,
        body: UpdateRequest,
        response: { 200: IssuedApiKeySchema, ...errors },
      },
      onRequest: guard('admin'),
    },
    async (request) => {
      const { ctx, keys: store } = tenantOf(request);
      const keyId = pathKeyId(request.params.key_id);
      const patch = toPatch(request.body, 'issued_api_key', request.query.update_mask, keyId);
      const updated = await keys.update(ctx, store, keyId, patch);
      await auditRequest(audit, request, ctx.id, { action: 'key.update', keyId, details: { fields: Object.keys(patch) } });
      return toApiKey(updated, clock.now());
    },
  );

  app.post<{ Params: { key_id: string }; Body: IssueBody }>(
    `${BASE}/:key_id(^[^:/]+)::rotate`,
    {
      schema: { operationId: 'adminRotateIssuedApiKey', tags, params: KeyIdParams, body: RotateRequest, response: { 201: RotateResponse, ...errors } },
      onRequest: guard('admin'),
    },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const b = request.body;
      const result = await keys.rotate(ctx, store, pathKeyId(request.params.key_id), {
        name: cleanText(b.name, 'name'),
        scopes: cleanScopes(b.scopes),
        metadata: cleanMetadata(b.metadata),
        rateLimit: cleanRateLimit(b.rate_limit_policy),
        allowedCidrs: cleanCidrs(b.ip_restriction?.allowed_cidrs),
        visibility: parseVisibility(b.visibility),
      });
      await auditRequest(audit, request, ctx.id, { action: 'key.rotate', keyId: result.old.keyId, details: { new_key_id: result.key.keyId } });
      const now = clock.now();
      reply.code(201).header('location', `${BASE}/${result.key.keyId}`);
      return { issued_api_key: toApiKey(result.key, now), secret: result.secret, old_issued_api_key: toApiKey(result.old, now) };
    },
  );

  const revoke = (operationId: string) => ({
    schema: { operationId, tags, params: KeyIdParams, body: RevokeRequest, response: { 204: { type: 'null', description: 'Revoked.' }, ...errors } },
    onRequest: guard('admin'),
  });
  const revokeHandler = async (
    request: { params: { key_id: string }; body: { reason?: string; description?: string } } & Parameters<typeof tenantOf>[0],
    reply: { code(n: number): { send(): unknown } },
  ) => {
    const { ctx, keys: store } = tenantOf(request);
    const body = request.body ?? {};
    const keyId = pathKeyId(request.params.key_id);
    const revocation = parseRevocation(body.reason, body.description);
    await keys.revoke(ctx, store, keyId, revocation);
    await auditRequest(audit, request as never, ctx.id, { action: 'key.revoke', keyId, reason: `REVOCATION_REASON_${revocation.reason}` });
    return reply.code(204).send();
  };
  app.post(`${BASE}/:key_id(^[^:/]+)::revoke`, revoke('adminRevokeIssuedApiKey'), revokeHandler as never);
}

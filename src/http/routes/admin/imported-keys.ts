import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { Compile } from 'typebox/compile';
import type { AuditLog } from '../../../audit/audit-log.js';
import { AppError, invalidArgument } from '../../../errors/app-error.js';
import { dominantError, importBatch } from '../../../keys/batch-import.js';
import { type ImportBody, toImportInput } from '../../../keys/import-input.js';
import type { ImportedKeyService } from '../../../keys/imported-key-service.js';
import { parseRevocation } from '../../../keys/key-input.js';
import { toApiKey } from '../../../keys/key-view.js';
import { parseFilter } from '../../../keys/list-filter.js';
import type { ProjectService } from '../../../projects/project-service.js';
import type { Clock } from '../../../shared/clock.js';
import type { Permission } from '../../../tenancy/permissions.js';
import { pathKeyId } from '../../key-id.js';
import { auditRequest } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import {
  BatchImportRequest,
  BatchImportResponse,
  ImportedApiKeySchema,
  ImportRequest,
  ListImportedResponse,
  UpdateImportedRequest,
} from '../../schemas/imported-keys.js';
import { KeyIdParams, ListQuery, RevokeRequest, UpdateMaskQuery } from '../../schemas/issued-keys.js';
import { tenantOf } from '../../tenant.js';
import { pageSizeOf } from '../../page-size.js';
import { toPatch } from './update-request.js';

export interface ImportedKeyRouteDeps {
  keys: ImportedKeyService;
  projects: ProjectService;
  clock: Clock;
  audit: AuditLog;
  guard: (p: Permission) => onRequestAsyncHookHandler;
}

const BASE = '/v2alpha1/admin/importedApiKeys';
const tags = ['imported keys'];
const errors = { default: ErrorSchema };
const checkItem = Compile(ImportRequest);

/** Per-item validation of a batch: the same rules as a single import, as a value instead of a throw. */
function itemInput(ctx: Parameters<typeof toImportInput>[0], item: unknown) {
  if (!checkItem.Check(item)) {
    const first = checkItem.Errors(item)[0];
    const extra = (first?.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
    return invalidArgument(extra?.length ? `unknown field "${extra[0]}"` : `${path || 'item'}: ${first?.message ?? 'invalid'}`, path || undefined);
  }
  try {
    return toImportInput(ctx, item as ImportBody);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
}

export function registerImportedKeyRoutes(app: FastifyInstance, deps: ImportedKeyRouteDeps): void {
  const { keys, clock, guard, audit } = deps;

  app.post<{ Body: ImportBody }>(
    BASE,
    { schema: { operationId: 'adminImportApiKey', tags, body: ImportRequest, response: { 201: ImportedApiKeySchema, ...errors } }, onRequest: guard('admin') },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const { key, replayed } = await keys.importOne(ctx, store, toImportInput(ctx, request.body));
      if (!replayed) await auditRequest(audit, request, ctx.id, { action: 'key.import', keyId: key.keyId });
      reply.code(201).header('location', `${BASE}/${key.keyId}`);
      return toApiKey(key, clock.now());
    },
  );

  app.post<{ Body: { requests: unknown[] } }>(
    `${BASE}::batchCreate`,
    {
      schema: { operationId: 'adminBatchCreateImportedApiKeys', tags, body: BatchImportRequest, response: { 200: BatchImportResponse, ...errors } },
      onRequest: guard('admin'),
    },
    async (request) => {
      const { ctx, keys: store } = tenantOf(request);
      const now = clock.now();
      const results = await importBatch(
        keys,
        ctx,
        store,
        request.body.requests.map((item) => itemInput(ctx, item)),
        now,
      );
      const created = results.filter((r) => 'key' in r && !r.replayed).map((r) => ('key' in r ? r.key.keyId : ''));
      const success = results.filter((r) => 'key' in r).length;
      if (created.length)
        await auditRequest(audit, request, ctx.id, {
          action: 'key.batch_import',
          details: { imported: created.length, failed: results.length - success, key_ids: created },
        });
      if (success === 0) throw dominantError(results, ctx, await deps.projects.activeKeys(ctx.id));
      return {
        results: results.map((r) =>
          'key' in r
            ? { index: r.index, imported_api_key: toApiKey(r.key, now), replayed: r.replayed }
            : { index: r.index, error_code: `BATCH_CREATE_IMPORTED_API_KEYS_ERROR_${r.code}`, error_message: r.message },
        ),
        success_count: success,
        failure_count: results.length - success,
      };
    },
  );

  app.get<{ Querystring: { page_size?: string; page_token?: string; filter?: string } }>(
    BASE,
    {
      schema: { operationId: 'adminListImportedApiKeys', tags, querystring: ListQuery, response: { 200: ListImportedResponse, ...errors } },
      onRequest: guard('read'),
    },
    async (request) => {
      const { ctx, keys: store } = tenantOf(request);
      const q = request.query;
      const filterText = q.filter ?? '';
      const page = await keys.list(ctx, store, {
        pageSize: pageSizeOf(q.page_size),
        pageToken: q.page_token || undefined,
        filterText,
        filter: parseFilter(filterText),
      });
      const now = clock.now();
      return { imported_api_keys: page.keys.map((k) => toApiKey(k, now)), next_page_token: page.nextPageToken };
    },
  );

  app.get<{ Params: { key_id: string } }>(
    `${BASE}/:key_id(^[^:/]+)`,
    {
      schema: { operationId: 'adminGetImportedApiKey', tags, params: KeyIdParams, response: { 200: ImportedApiKeySchema, ...errors } },
      onRequest: guard('read'),
    },
    async (request) => toApiKey(await keys.get(tenantOf(request).keys, pathKeyId(request.params.key_id)), clock.now()),
  );

  app.patch<{ Params: { key_id: string }; Querystring: { update_mask?: string } }>(
    `${BASE}/:key_id(^[^:/]+)`,
    {
      schema: {
        operationId: 'adminUpdateImportedApiKey',
        tags,
        params: KeyIdParams,
        querystring: UpdateMaskQuery,
        body: UpdateImportedRequest,
        response: { 200: ImportedApiKeySchema, ...errors },
      },
      onRequest: guard('admin'),
    },
    async (request) => {
      const { ctx, keys: store } = tenantOf(request);
      const keyId = pathKeyId(request.params.key_id);
      const patch = toPatch(request.body, 'imported_api_key', request.query.update_mask, keyId);
      const updated = await keys.update(ctx, store, keyId, patch);
      await auditRequest(audit, request, ctx.id, { action: 'key.update', keyId, details: { fields: Object.keys(patch) } });
      return toApiKey(updated, clock.now());
    },
  );

  app.delete<{ Params: { key_id: string } }>(
    `${BASE}/:key_id(^[^:/]+)`,
    {
      schema: { operationId: 'adminDeleteImportedApiKey', tags, params: KeyIdParams, response: { 204: { type: 'null' }, ...errors } },
      onRequest: guard('admin'),
    },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const keyId = pathKeyId(request.params.key_id);
      await keys.delete(ctx, store, keyId);
      await auditRequest(audit, request, ctx.id, { action: 'key.delete', keyId });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { key_id: string }; Body: { reason?: string; description?: string } }>(
    `${BASE}/:key_id(^[^:/]+)::revoke`,
    {
      schema: { operationId: 'adminRevokeImportedApiKey', tags, params: KeyIdParams, body: RevokeRequest, response: { 204: { type: 'null' }, ...errors } },
      onRequest: guard('admin'),
    },
    async (request, reply) => {
      const { ctx, keys: store } = tenantOf(request);
      const keyId = pathKeyId(request.params.key_id);
      const revocation = parseRevocation(request.body?.reason, request.body?.description);
      await keys.revoke(ctx, store, keyId, revocation);
      await auditRequest(audit, request, ctx.id, { action: 'key.revoke', keyId, reason: `REVOCATION_REASON_${revocation.reason}` });
      return reply.code(204).send();
    },
  );
}

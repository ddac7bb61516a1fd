import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { SigningAlgorithm } from '../../../projects/key-material.js';
import { ProjectService } from '../../../projects/project-service.js';
import type { ProjectRecord } from '../../../store/records.js';
import { auditRequest, projectOf } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import {
  CreateProjectRequest,
  EnableApiKeysRequest,
  EnableApiKeysResponse,
  ListProjectsResponse,
  PageQuery,
  ProjectRef,
  ProjectSchema,
  UpdateProjectRequest,
} from '../../schemas/operator.js';
import { type OperatorCursors, pageSizeOf } from './cursor.js';
import { toProject } from './views.js';

export interface OperatorRouteDeps {
  projects: ProjectService;
  audit: AuditLog;
  cursors: OperatorCursors;
  guard: onRequestAsyncHookHandler;
}

export const OPERATOR_BASE = '/operator/v1/projects';
export const PROJECT_PATH = `${OPERATOR_BASE}/:project(^[^:/]+)`;
const tags = ['operator: projects'];
const errors = { default: ErrorSchema };
const security = [{ operator: [] }];

/** Create, list, get, update, delete projects and enable their API keys. */
export function registerProjectRoutes(app: FastifyInstance, deps: OperatorRouteDeps): void {
  const { projects, audit, cursors, guard } = deps;
  const view = async (p: ProjectRecord) => toProject(p, await projects.listDomains(p.id), await projects.usage(p));

  app.post<{ Body: { slug: string; name?: string; plan?: string; custom_domains?: string[]; enable_api_keys?: boolean } }>(
    OPERATOR_BASE,
    {
      schema: { operationId: 'operatorCreateProject', tags, security, body: CreateProjectRequest, response: { 201: ProjectSchema, ...errors } },
      onRequest: guard,
    },
    async (request, reply) => {
      const b = request.body;
      // Check the domains before creating anything, so a bad domain leaves no half-made project.
      const domains = b.custom_domains ? ProjectService.normaliseDomains(b.custom_domains) : undefined;
      let project = await projects.create({ slug: b.slug, name: b.name ?? b.slug, plan: b.plan });
      try {
        if (domains?.length) project = await projects.update(project.id, { customDomains: domains });
      } catch (e) {
        await projects.delete(project.id); // the domain was taken: undo the create
        throw e;
      }
      await auditRequest(audit, request, project.id, { action: 'project.create', details: { slug: project.slug, plan: project.plan } });
      if (b.enable_api_keys) {
        await projects.enableApiKeys(project.id);
        await auditRequest(audit, request, project.id, { action: 'project.enable_api_keys', details: { signing_algorithm: 'EdDSA' } });
        project = await projects.get(project.id);
      }
      reply.code(201).header('location', `${OPERATOR_BASE}/${project.id}`);
      return view(project);
    },
  );

  app.get<{ Querystring: { page_size?: string; page_token?: string } }>(
    OPERATOR_BASE,
    {
      schema: { operationId: 'operatorListProjects', tags, security, querystring: PageQuery, response: { 200: ListProjectsResponse, ...errors } },
      onRequest: guard,
    },
    async (request) => {
      const size = pageSizeOf(request.query.page_size);
      const after = request.query.page_token ? cursors.decode('projects', request.query.page_token) : undefined;
      const rows = await projects.list(after, size + 1);
      const page = rows.slice(0, size);
      return {
        projects: await Promise.all(page.map(view)),
        next_page_token: rows.length > size ? cursors.encode('projects', page[page.length - 1].slug) : '',
      };
    },
  );

  app.get(
    PROJECT_PATH,
    { schema: { operationId: 'operatorGetProject', tags, security, params: ProjectRef, response: { 200: ProjectSchema, ...errors } }, onRequest: guard },
    async (request) => view(projectOf(request)),
  );

  app.patch<{ Body: { name?: string; plan?: string; custom_domains?: string[] } }>(
    PROJECT_PATH,
    {
      schema: {
        operationId: 'operatorUpdateProject',
        tags,
        security,
        params: ProjectRef,
        body: UpdateProjectRequest,
        response: { 200: ProjectSchema, ...errors },
      },
      onRequest: guard,
    },
    async (request) => {
      const before = projectOf(request);
      const b = request.body;
      const updated = await projects.update(before.id, { name: b.name, plan: b.plan, customDomains: b.custom_domains });
      await auditRequest(audit, request, before.id, { action: 'project.update', details: { fields: Object.keys(b) } });
      return view(updated);
    },
  );

  app.delete(
    PROJECT_PATH,
    { schema: { operationId: 'operatorDeleteProject', tags, security, params: ProjectRef, response: { 204: { type: 'null' }, ...errors } }, onRequest: guard },
    async (request, reply) => {
      // The project's audit trail goes with it; the deletion itself is in the server log.
      const p = projectOf(request);
      await projects.delete(p.id);
      request.log.info({ reqId: request.id, project_id: p.id, slug: p.slug }, 'project deleted');
      reply.code(204);
    },
  );

  app.post<{ Body: { signing_algorithm?: SigningAlgorithm } | undefined }>(
    `${PROJECT_PATH}::enableApiKeys`,
    {
      schema: {
        operationId: 'operatorEnableApiKeys',
        tags,
        security,
        params: ProjectRef,
        body: EnableApiKeysRequest,
        response: { 200: EnableApiKeysResponse, ...errors },
      },
      onRequest: guard,
    },
    async (request) => {
      const p = projectOf(request);
      const algorithm = request.body?.signing_algorithm ?? 'EdDSA';
      const changed = await projects.enableApiKeys(p.id, algorithm);
      if (changed) await auditRequest(audit, request, p.id, { action: 'project.enable_api_keys', details: { signing_algorithm: algorithm } });
      return {
        project: await view(await projects.get(p.id)),
        changed,
        message: changed ? 'API keys enabled: the HMAC secret and the JWT signing key were generated.' : 'API keys were already enabled; nothing changed.',
      };
    },
  );
}

import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { IssuedKeyService } from '../keys/key-service.js';
import type { ImportedKeyService } from '../keys/imported-key-service.js';
import { registerImportedKeyRoutes } from './routes/admin/imported-keys.js';
import { registerDeriveRoute } from './routes/admin/derive.js';
import { registerSelfRevokeRoute } from './routes/public/self-revoke.js';
import type { DeriveService } from '../tokens/derive-service.js';
import type { SelfRevocation } from '../keys/self-revoke.js';
import { registerRevokeAnyRoute } from './routes/admin/revoke-any.js';
import type { ProjectService } from '../projects/project-service.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/ports.js';
import type { Permission } from '../tenancy/permissions.js';
import type { TokenService } from '../tenancy/token-service.js';
import type { VerifyPipeline } from '../verify/pipeline.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../observability/metrics.js';
import type { OperatorAuth } from '../tenancy/operator-auth.js';
import type { PublicTenantResolver } from '../tenancy/public-tenant.js';
import { requireOperator } from './operator.js';
import { registerConsole } from './console/register-console.js';
import { VerificationUsage } from '../observability/verification-usage.js';
import { registerAuditRoutes } from './routes/operator/audit.js';
import { registerConfigRoutes } from './routes/operator/config.js';
import { OperatorCursors } from './routes/operator/cursor.js';
import { registerProjectRoutes } from './routes/operator/projects.js';
import { registerTokenRoutes } from './routes/operator/tokens.js';
import { registerJwksRoutes } from './routes/public/jwks.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './plugins/errors.js';
import { registerRequestContext, requestIdFrom } from './plugins/request-context.js';
import { registerTracing } from './plugins/tracing.js';
import type { Tracing } from '../observability/tracing.js';
import { RouteTable } from './route-table.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIssuedKeyRoutes } from './routes/admin/issued-keys.js';
import { registerVerifyRoutes } from './routes/admin/verify.js';
import { requireTenant } from './tenant.js';
import { VerifyEndpoint } from './verify/verify-endpoint.js';
import { FastVerify, fastPathServer } from './verify/fast-verify.js';
import { typeboxValidatorCompiler } from './validator.js';
import { systemIds } from '../shared/ids.js';

export type ServeMode = 'all' | 'admin' | 'public';

export interface HttpDeps {
  logger: Logger;
  clock: Clock;
  store: Store;
  projects: ProjectService;
  tokens: TokenService;
  issuedKeys: IssuedKeyService;
  importedKeys: ImportedKeyService;
  derive: DeriveService;
  selfRevoke: SelfRevocation;
  pipeline: VerifyPipeline;
  audit: AuditLog;
  metrics: Metrics;
  operatorAuth: OperatorAuth;
  /** Integrity key of operator page tokens (derived from the master key: the same on every node). */
  operatorCursorKey: Buffer;
  publicTenants: PublicTenantResolver;
  newId: () => string;
  /** Random bytes (console session ids); defaults to node:crypto through shared/ids. */
  secret?: (bytes: number) => Buffer;
  bodyLimit: number;
  /** Plain verify connections read by the verify lane (config serve.http.verify_lane). */
  verifyLane?: boolean;
  /** Present only when tracing is enabled: server spans and trace ids in the access log. */
  tracing?: Tracing | null;
}

/** The common Fastify setup of both listeners: ids, headers, strict JSON, one error writer. */
function baseServer(deps: HttpDeps, routes: RouteTable, fast?: FastVerify): FastifyInstance {
  const app = Fastify({
    // The verify fast path answers its plain requests before Fastify sees them (verify/fast-verify.ts).
    ...(fast ? { serverFactory: fastPathServer(fast, deps.bodyLimit, deps.verifyLane ?? true) } : {}),
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    // Our own access-log line (plugins/request-context.ts) replaces Fastify's, which would log URLs.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger (a pino child per request cost ≈ 2–3 µs on the verify path): the few
    // request-scoped lines put `reqId` in themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: deps.bodyLimit,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id'], deps.newId),
    requestIdHeader: false,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(deps.newId),
  });
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // JSON only: any other content type is a 415 (Fastify would otherwise parse text/plain as a string).
  app.removeContentTypeParser('text/plain');
  // Responses are built by our own view functions; plain JSON.stringify keeps every field as built.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.add(m, r.url);
  });
  // A POST/PATCH without any body (no Content-Type, no bytes) is an empty object: action endpoints such as
  // `:enableApiKeys` need no parameters. A JSON `null` body stays null and is refused by the schema.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PATCH')) request.body = {};
    done();
  });
  if (deps.tracing) registerTracing(app, deps.tracing); // before request-context: see plugins/tracing.ts
  registerRequestContext(app, deps.metrics);
  registerErrorHandling(app, routes);
  return app;
}

/** The API listener (port 4420): admin and/or public surfaces by mode, health, OpenAPI. */
export async function buildApiServer(deps: HttpDeps, mode: ServeMode): Promise<FastifyInstance> {
  const tenantDeps = { tokens: deps.tokens, projects: deps.projects, store: deps.store };
  const usage = new VerificationUsage();
  const verifyEndpoint = new VerifyEndpoint({ ...deps, usage });
  const admin = mode === 'all' || mode === 'admin';
  // With tracing on, every request goes through Fastify so it gets its server span (plugins/tracing.ts).
  const fast = admin && !deps.tracing ? new FastVerify({ ...deps, endpoint: verifyEndpoint, tenants: tenantDeps }) : undefined;
  const app = baseServer(deps, new RouteTable(), fast);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keysmith API',
        version: 'v2alpha1',
        description: 'API key management, wire-compatible with Ory Talos v2alpha1. Admin calls need `Authorization: Bearer <project API token>`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A project API token (ks_pat_…).' },
          operator: { type: 'http', scheme: 'bearer', description: 'The operator token (config operator_token).' },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  const guard = (p: Permission) => requireTenant(tenantDeps, p);
  registerHealthRoutes(app, () => deps.store.ping());
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (mode === 'all' || mode === 'admin') {
    // First: its hooks (cookie sessions, verification counts) must see the API routes registered below.
    registerConsole(app, { ...deps, secret: deps.secret ?? systemIds.secret, guard, usage });
    registerIssuedKeyRoutes(app, { keys: deps.issuedKeys, clock: deps.clock, audit: deps.audit, guard });
    registerImportedKeyRoutes(app, { keys: deps.importedKeys, projects: deps.projects, clock: deps.clock, audit: deps.audit, guard });
    registerRevokeAnyRoute(app, { lifecycles: { issued: deps.issuedKeys, imported: deps.importedKeys }, audit: deps.audit, guard });
    registerVerifyRoutes(app, { endpoint: verifyEndpoint, guard });
    registerDeriveRoute(app, { derive: deps.derive, audit: deps.audit, guard });
    const operator = {
      projects: deps.projects,
      audit: deps.audit,
      cursors: new OperatorCursors(deps.operatorCursorKey),
      guard: requireOperator(deps.operatorAuth, deps.projects),
    };
    registerProjectRoutes(app, operator);
    registerConfigRoutes(app, { ...operator, clock: deps.clock });
    registerTokenRoutes(app, { ...operator, tokens: deps.tokens });
    registerAuditRoutes(app, { ...operator, auditStore: deps.store.audit });
  }
  // JWKS in every mode (relying parties of either surface need it, as in Talos); self-revoke is public.
  registerJwksRoutes(app, { tenants: deps.publicTenants, secrets: deps.projects.secrets, now: () => deps.clock.now() });
  if (mode === 'all' || mode === 'public') {
    registerSelfRevokeRoute(app, { tenants: deps.publicTenants, projects: deps.projects, store: deps.store, selfRevoke: deps.selfRevoke, audit: deps.audit });
  }
  return app;
}

/** The metrics listener (port 4422): health now, Prometheus /metrics later. */
export async function buildMetricsServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = baseServer(deps, new RouteTable());
  registerHealthRoutes(app, () => deps.store.ping());
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.text();
  });
  return app;
}

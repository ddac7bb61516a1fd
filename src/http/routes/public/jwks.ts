import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ProjectSecrets } from '../../../projects/project-secrets.js';
import type { PublicTenantResolver } from '../../../tenancy/public-tenant.js';
import { ErrorSchema } from '../../schemas/common.js';

const MAX_AGE_S = 60; // relying parties refetch within a minute of a rotation
const CACHE_MS = 5_000; // unauthenticated endpoint: do not read the database on every call

const Jwk = Type.Record(Type.String(), Type.Unknown());
const JwkSet = Type.Object({ keys: Type.Array(Jwk) });

/**
 * The project's public JWT verification keys: Talos envelope at /v2alpha1/derivedKeys/jwks.json and
 * RFC 7517 at /.well-known/jwks.json, also under a /projects/<slug> prefix. Public parts only.
 */
export function registerJwksRoutes(app: FastifyInstance, deps: { tenants: PublicTenantResolver; secrets: ProjectSecrets; now: () => number }): void {
  const cache = new Map<string, { keys: Record<string, unknown>[]; at: number }>();

  const keysOf = async (request: FastifyRequest): Promise<Record<string, unknown>[]> => {
    const slug = (request.params as { slug?: string }).slug;
    const projectId = await deps.tenants.resolve(request.headers, slug);
    const now = deps.now();
    const hit = cache.get(projectId);
    if (hit && now - hit.at < CACHE_MS && now >= hit.at) return hit.keys;
    const keys = (await deps.secrets.publicKeys(projectId)).map((k) => k.jwk);
    if (cache.size > 10_000) cache.clear();
    cache.set(projectId, { keys, at: now });
    return keys;
  };

  const routes: [string, string, (keys: Record<string, unknown>[]) => unknown, unknown][] = [
    ['/v2alpha1/derivedKeys/jwks.json', 'getJwks', (keys) => ({ jwks: { keys } }), Type.Object({ jwks: JwkSet })],
    ['/.well-known/jwks.json', 'getWellKnownJwks', (keys) => ({ keys }), JwkSet],
  ];
  for (const [path, operationId, body, schema] of routes) {
    for (const [prefix, suffix] of [
      ['', ''],
      ['/projects/:slug', 'ForProject'],
    ]) {
      app.get(
        `${prefix}${path}`,
        {
          schema: {
            operationId: `${operationId}${suffix}`,
            tags: ['public'],
            security: [],
            ...(prefix ? { params: Type.Object({ slug: Type.String({ maxLength: 63 }) }) } : {}),
            response: { 200: schema as never, default: ErrorSchema },
          },
        },
        async (request, reply) => {
          const keys = await keysOf(request);
          reply.header('cache-control', `public, max-age=${MAX_AGE_S}`);
          return body(keys);
        },
      );
    }
  }
}

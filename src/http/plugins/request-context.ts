import type { Metrics } from '../../observability/metrics.js';
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Record<string, string> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

/** Accept a caller's X-Request-ID when short and printable; otherwise we generate one. */
export function requestIdFrom(header: unknown, generate: () => string): string {
  return typeof header === 'string' && header.length > 0 && header.length <= 128 && /^[\x21-\x7e]+$/.test(header) ? header : generate();
}

/**
 * Request id and security headers on every response (errors included), and one access-log line per
 * request carrying method, route pattern, status and duration — never headers, query values or bodies.
 */
export function registerRequestContext(app: FastifyInstance, metrics?: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(SECURITY_HEADERS);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics?.httpRequestCells.inc(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    request.log.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });
}

import type { Context, Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Tracing } from '../../observability/tracing.js';

/**
 * One server span per request (`POST /v2alpha1/admin/apiKeys::verify`: the route pattern, never the
 * URL), child of the caller's W3C `traceparent`. Registered only when tracing is on, and before the
 * request-context plugin, because the context has to be entered three times:
 * - onRequest: the later onRequest hooks (the tenant guard and its store calls) run inside `done()`;
 * - the handler: body parsing (stream events) loses the async context, so each handler is wrapped;
 * - onResponse: the access-log line runs inside `done()`, so it carries `trace_id` too.
 */
export function registerTracing(app: FastifyInstance, tracing: Tracing): void {
  const active = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const t = tracing.startServerSpan(`${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'http.route': route,
    });
    active.set(request, t);
    tracing.withContext(t.context, done);
  });

  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function traced(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const t = active.get(request);
      return t ? tracing.withContext(t.context, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    };
  });

  app.addHook('onResponse', (request, reply, done) => {
    const t = active.get(request);
    if (!t) return done();
    active.delete(request);
    t.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) tracing.markError(t.span);
    t.span.end();
    tracing.withContext(t.context, done);
  });
}

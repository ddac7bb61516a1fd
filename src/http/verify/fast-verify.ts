import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyError, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.js';
import { errorResponse, requestError, type ErrorResponse } from '../error-response.js';
import { requestIdFrom, SECURITY_HEADERS } from '../plugins/request-context.js';
import { VerifyRequest } from '../schemas/verify.js';
import { authenticateTenant, type TenantDeps } from '../tenant.js';
import { typeboxValidatorCompiler } from '../validator.js';
import { TurnWriter } from './turn-writer.js';
import type { VerifyEndpoint } from './verify-endpoint.js';

/** The one URL this path serves, and its route pattern as Fastify reports it (metrics and access-log label). */
const PATH = '/v2alpha1/admin/apiKeys:verify';
const ROUTE = '/v2alpha1/admin/apiKeys::verify';
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
// Headers of every response, flattened once: name, value, name, value…
const STATIC_HEADERS = Object.entries({ ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }).flat();

export interface FastVerifyDeps {
  endpoint: VerifyEndpoint;
  tenants: TenantDeps;
  metrics: Metrics;
  logger: Logger;
  newId: () => string;
  bodyLimit: number;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * `POST /v2alpha1/admin/apiKeys:verify` straight on node:http, in front of Fastify: the gateway hot path.
 * Fastify's per-request machinery (hooks, reply object, content-type parser, route lookup) cost more than
 * the verification itself (docs/benchmarks.md). Same steps as the Fastify route, in the same order — token
 * and permission before the body is read, the route's TypeBox schema, VerifyEndpoint for the work, one
 * error writer (error-response.ts), the same headers and access-log line — and a parity test
 * (test/api/fast-verify-parity.test.ts) holds the two paths to identical answers.
 *
 * It takes only the plain case: exact path, a Bearer header, a JSON content type, a Content-Length.
 * Anything unusual (chunked bodies, other media types, cookies without a token, query strings) goes to
 * Fastify, which has the general answer. `inject()` never comes here: in-process tests exercise the route.
 */
export class FastVerify {
  private readonly validate = typeboxValidatorCompiler({ schema: VerifyRequest, method: 'POST', url: ROUTE, httpPart: 'body' }) as (data: unknown) => {
    value?: unknown;
    error?: FastifyError & { field?: string };
  };

  /** Answers leave at the end of the event-loop turn, together (turn-writer.ts explains the gain). */
  private readonly turn: TurnWriter;

  constructor(private readonly deps: FastVerifyDeps) {
    this.turn = new TurnWriter((e) => deps.logger.error({ err: { name: (e as Error)?.name, message: (e as Error)?.message } }, 'verify response not sent'));
  }

  accepts(req: IncomingMessage): boolean {
    const h = req.headers;
    return (
      req.method === 'POST' &&
      req.url === PATH &&
      h.authorization !== undefined &&
      h['content-length'] !== undefined &&
      h['transfer-encoding'] === undefined &&
      JSON_TYPE.test(h['content-type'] ?? '')
    );
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const reqId = requestIdFrom(req.headers['x-request-id'], this.deps.newId);
    this.answer(req).then(
      (a) => this.later(res, reqId, started, a),
      (e: FastifyError) => this.later(res, reqId, started, this.failure(e, reqId)),
    );
  }

  /** token + permission → body (size, JSON, schema) → verify. */
  private async answer(req: IncomingMessage): Promise<Answer> {
    const tenant = await authenticateTenant(this.deps.tenants, req.headers.authorization, 'verify');
    const body = await this.readJson(req);
    if ('status' in body) return body;
    const checked = this.validate(body.json);
    if (checked.error) return errorResponse(checked.error);
    const { credential } = checked.value as { credential: string };
    const r = await this.deps.endpoint.single(tenant, credential, req.socket.remoteAddress, req.headers);
    return { status: 200, headers: r.headers, body: r.body };
  }

  /** The body as JSON within the size limit, or the error Fastify's parser gives for it. */
  private readJson(req: IncomingMessage): Promise<{ json: unknown } | ErrorResponse> {
    const declared = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(declared) || declared < 0) return Promise.resolve(errorResponse({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' } as FastifyError));
    if (declared > this.deps.bodyLimit) return Promise.resolve(requestError('PAYLOAD_TOO_LARGE'));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      req.on('data', (c: Buffer) => {
        received += c.length;
        chunks.push(c);
      });
      req.on('error', reject);
      req.on('end', () => {
        if (received !== declared) return resolve(errorResponse({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' } as FastifyError));
        const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
        if (text === '') return resolve(requestError('MALFORMED_JSON'));
        try {
          resolve({ json: parseJson(text) });
        } catch {
          resolve(requestError('MALFORMED_JSON'));
        }
      });
    });
  }

  private failure(e: FastifyError, reqId: string): ErrorResponse {
    const r = errorResponse(e);
    if (r.log === 'store-unavailable') this.deps.logger.warn({ reqId, err: { name: e.name } }, 'database unavailable');
    else if (r.log === 'internal')
      this.deps.logger.error({ reqId, err: { name: e.name, message: e.message, code: e.code, stack: e.stack } }, 'unhandled error');
    return r;
  }

  private later(res: ServerResponse, reqId: string, started: number, a: Answer): void {
    this.turn.later(() => {
      try {
        this.send(res, reqId, started, a);
      } catch (e) {
        res.destroy();
        throw e;
      }
    });
  }

  private send(res: ServerResponse, reqId: string, started: number, a: Answer): void {
    const payload = JSON.stringify(a.body);
    const headers: string[] = ['x-request-id', reqId, ...STATIC_HEADERS, 'content-length', String(Buffer.byteLength(payload))];
    if (a.headers) for (const k in a.headers) headers.push(k.toLowerCase(), a.headers[k]);
    res.writeHead(a.status, headers);
    res.end(payload);
    // The access-log line and counter of plugins/request-context.ts, for this path.
    this.deps.metrics.httpRequestCells.inc('POST', ROUTE, a.status);
    this.deps.logger.info(
      { reqId, method: 'POST', route: ROUTE, status: a.status, ms: Math.round((performance.now() - started) * 100) / 100 },
      'request completed',
    );
  }
}

/**
 * Fastify's `serverFactory`: the node:http server Fastify would build (same timeouts), with the fast path
 * in front of Fastify's handler. Fastify still attaches its clientError handler to this server.
 */
export function fastPathServer(fast: FastVerify): FastifyServerFactory {
  return (handler, opts): Server => {
    // Fastify's resolved options (its defaults filled in), typed loosely by its factory signature.
    const o = opts as { http?: object; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number };
    const server = createServer(o.http ?? {}, (req, res) => (fast.accepts(req) ? fast.handle(req, res) : handler(req, res)));
    if (typeof o.keepAliveTimeout === 'number') server.keepAliveTimeout = o.keepAliveTimeout;
    if (typeof o.requestTimeout === 'number') server.requestTimeout = o.requestTimeout;
    if (typeof o.connectionTimeout === 'number') server.setTimeout(o.connectionTimeout);
    if (o.maxRequestsPerSocket) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
    return server;
  };
}

/**
 * JSON.parse with Fastify's prototype-poisoning refusal (secure-json-parse: a `__proto__` key, or a
 * `constructor` key holding a `prototype`, is an error). The reviver runs only when such text (or any
 * \u escape, which could spell it) occurs.
 */
function parseJson(text: string): unknown {
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (k, v) => {
    if (k === '__proto__' || (k === 'constructor' && v !== null && typeof v === 'object' && 'prototype' in v)) throw new SyntaxError('forbidden key');
    return v;
  });
}

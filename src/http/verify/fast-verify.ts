import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyError, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.js';
import { errorResponse, requestError, type ErrorResponse } from '../error-response.js';
import { requestIdFrom, SECURITY_HEADERS } from '../plugins/request-context.js';
import { VerifyRequest } from '../schemas/verify.js';
import { authenticateTenant, type TenantDeps } from '../tenant.js';
import { typeboxValidatorCompiler } from '../validator.js';
import type { Socket } from 'node:net';
import { TurnWriter } from './turn-writer.js';
import { VerifyLane } from './verify-lane.js';
import type { VerifyEndpoint } from './verify-endpoint.js';

/** The one URL this path serves, and its route pattern as Fastify reports it (metrics and access-log label). */
const PATH = '/v2alpha1/admin/apiKeys:verify';
const ROUTE = '/v2alpha1/admin/apiKeys::verify';
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
// Headers of every response, once: flattened (name, value, name, value…) for node:http, and as raw
// HTTP/1.1 lines for a transport that writes its own head (verify-lane.ts).
const STATIC_ENTRIES = Object.entries({ ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
const STATIC_HEADERS = STATIC_ENTRIES.flat();
export const STATIC_HEADER_LINES = STATIC_ENTRIES.map(([k, v]) => `${k}: ${v}\r\n`).join('');

export interface FastVerifyDeps {
  endpoint: VerifyEndpoint;
  tenants: TenantDeps;
  metrics: Metrics;
  logger: Logger;
  newId: () => string;
  bodyLimit: number;
}

/**
 * What every answer carries besides the static headers: its request id (printable ASCII, checked by
 * requestIdFrom, or ours), the body's length in bytes, and verify's own headers (cache status, rate
 * limits; lower-case names).
 */
export interface ReplyHead {
  reqId: string;
  contentLength: number;
  extra: Record<string, string> | undefined;
}

/** Writes one answer: status, head, the JSON text. */
export type Reply = (status: number, head: ReplyHead, payload: string) => void;

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
    return req.method === 'POST' && req.url === PATH && this.acceptsHeaders(req.headers);
  }

  /** The plain case's headers (names lower-cased): a token, a declared length, no chunking, JSON. */
  acceptsHeaders(h: IncomingHttpHeaders): boolean {
    return (
      h.authorization !== undefined && h['content-length'] !== undefined && h['transfer-encoding'] === undefined && JSON_TYPE.test(h['content-type'] ?? '')
    );
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const reqId = requestIdFrom(req.headers['x-request-id'], this.deps.newId);
    const reply: Reply = (status, head, payload) => {
      const headers: string[] = ['x-request-id', head.reqId, ...STATIC_HEADERS, 'content-length', String(head.contentLength)];
      if (head.extra) for (const k in head.extra) headers.push(k, head.extra[k]);
      res.writeHead(status, headers);
      res.end(payload);
    };
    this.answer(req.headers, () => this.readJson(req), req.socket.remoteAddress).then(
      (a) => this.later(reply, () => res.destroy(), reqId, started, a),
      (e: FastifyError) => this.later(reply, () => res.destroy(), reqId, started, this.failure(e, reqId)),
    );
  }

  /**
   * The same for a request read by the verify lane (verify-lane.ts): headers parsed, body complete.
   * `reply` writes the answer; `abort` closes the connection when that fails.
   */
  handleParsed(headers: IncomingHttpHeaders, body: Buffer, peer: string | undefined, reply: Reply, abort: () => void): void {
    const started = performance.now();
    const reqId = requestIdFrom(headers['x-request-id'], this.deps.newId);
    this.answer(headers, () => Promise.resolve(this.parseBody(body, body.length, Number(headers['content-length']))), peer).then(
      (a) => this.later(reply, abort, reqId, started, a),
      (e: FastifyError) => this.later(reply, abort, reqId, started, this.failure(e, reqId)),
    );
  }

  /** token + permission → body (size, JSON, schema) → verify. */
  private async answer(headers: IncomingHttpHeaders, readBody: () => Promise<{ json: unknown } | ErrorResponse>, peer: string | undefined): Promise<Answer> {
    const tenant = await authenticateTenant(this.deps.tenants, headers.authorization, 'verify');
    const body = await readBody();
    if ('status' in body) return body;
    const checked = this.validate(body.json);
    if (checked.error) return errorResponse(checked.error);
    const { credential } = checked.value as { credential: string };
    const r = await this.deps.endpoint.single(tenant, credential, peer, headers);
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
      req.on('end', () => resolve(this.parseBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), received, declared)));
    });
  }

  /** A complete body: its length against the declared one, then JSON — or the error Fastify's parser gives. */
  private parseBody(body: Buffer, received: number, declared: number): { json: unknown } | ErrorResponse {
    if (received !== declared) return errorResponse({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' } as FastifyError);
    const text = body.toString('utf8');
    if (text === '') return requestError('MALFORMED_JSON');
    try {
      return { json: parseJson(text) };
    } catch {
      return requestError('MALFORMED_JSON');
    }
  }

  private failure(e: FastifyError, reqId: string): ErrorResponse {
    const r = errorResponse(e);
    if (r.log === 'store-unavailable') this.deps.logger.warn({ reqId, err: { name: e.name } }, 'database unavailable');
    else if (r.log === 'internal')
      this.deps.logger.error({ reqId, err: { name: e.name, message: e.message, code: e.code, stack: e.stack } }, 'unhandled error');
    return r;
  }

  private later(reply: Reply, abort: () => void, reqId: string, started: number, a: Answer): void {
    this.turn.later(() => {
      try {
        this.send(reply, reqId, started, a);
      } catch (e) {
        abort();
        throw e;
      }
    });
  }

  private send(reply: Reply, reqId: string, started: number, a: Answer): void {
    const payload = JSON.stringify(a.body);
    reply(a.status, { reqId, contentLength: Buffer.byteLength(payload), extra: a.headers }, payload);
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
 * in front of Fastify's handler, and the verify lane (verify-lane.ts) in front of node:http's parser: a
 * new connection is read by the lane first and handed to node:http at its first request that is not a
 * plain verify call. Fastify still attaches its clientError handler to this server.
 */
export function fastPathServer(fast: FastVerify, bodyLimit: number, verifyLane: boolean): FastifyServerFactory {
  return (handler, opts): Server => {
    // Fastify's resolved options (its defaults filled in), typed loosely by its factory signature.
    const o = opts as { http?: object; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number };
    const server = createServer(o.http ?? {}, (req, res) => (fast.accepts(req) ? fast.handle(req, res) : handler(req, res)));
    if (typeof o.keepAliveTimeout === 'number') server.keepAliveTimeout = o.keepAliveTimeout;
    if (typeof o.requestTimeout === 'number') server.requestTimeout = o.requestTimeout;
    if (typeof o.connectionTimeout === 'number') server.setTimeout(o.connectionTimeout);
    if (o.maxRequestsPerSocket) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
    // The lane does not count requests per socket: a server that limits them reads every connection itself.
    if (!verifyLane || o.maxRequestsPerSocket) return server;
    // node:http's own connection listener, called for the connections the lane hands over.
    const nodeListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    const lane = new VerifyLane(fast, {
      bodyLimit,
      keepAliveTimeoutMs: () => server.keepAliveTimeout,
      handOff: (socket) => {
        for (const l of nodeListeners) l.call(server, socket);
      },
    });
    server.on('connection', (socket: Socket) => lane.accept(socket));
    const close = server.close.bind(server);
    server.close = (cb?: (err?: Error) => void) => {
      lane.close();
      return close(cb);
    };
    const closeAll = server.closeAllConnections.bind(server);
    server.closeAllConnections = () => {
      lane.destroyAll();
      closeAll();
    };
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

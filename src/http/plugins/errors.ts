import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import type { ErrorReason } from '../../errors/catalogue.js';
import { StoreTimeout, StoreUnavailable } from '../../store/store-errors.js';
import { aip193 } from '../aip193.js';
import { SECURITY_HEADERS } from './request-context.js';

/** Fastify's own errors that are the client's fault, mapped to catalogue reasons. */
const FASTIFY_CODES: Record<string, ErrorReason> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'INVALID_ARGUMENT',
  FST_ERR_ASYNC_CONSTRAINT: 'INVALID_ARGUMENT',
};

/**
 * One writer for every error: AppError → its catalogue entry; validation and body-parsing errors →
 * 400/413/415; storage outages → 503/504 with Retry-After; anything else → a sanitised 500 whose
 * details go to the log with the request id, never to the client.
 */
export function registerErrorHandling(app: FastifyInstance, routeTable: { allowedMethods(path: string): string[] }): void {
  app.setErrorHandler((error: FastifyError & { field?: string }, request, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return reply.code(error.httpStatus).send(aip193(error.reason, error.message, error.metadata));
    }
    if (error.validation) {
      return reply.code(400).send(aip193('INVALID_ARGUMENT', `Invalid request: ${error.message}`, error.field ? { field: error.field } : undefined));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) {
      const message =
        mapped === 'MALFORMED_JSON'
          ? 'The request body is not valid JSON.'
          : mapped === 'PAYLOAD_TOO_LARGE'
            ? 'The request body is too large.'
            : mapped === 'UNSUPPORTED_MEDIA_TYPE'
              ? 'The request body must be application/json.'
              : 'Malformed request.';
      return reply.code(mapped === 'PAYLOAD_TOO_LARGE' ? 413 : mapped === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 400).send(aip193(mapped, message));
    }
    if (error instanceof StoreUnavailable) {
      request.log.warn({ reqId: request.id, err: { name: error.name } }, 'database unavailable');
      reply.header('Retry-After', '1');
      return reply.code(503).send(aip193('SERVICE_UNAVAILABLE', 'The database is unavailable; retry with backoff.'));
    }
    if (error instanceof StoreTimeout) {
      reply.header('Retry-After', '1');
      return reply.code(504).send(aip193('GATEWAY_TIMEOUT', 'The database did not answer in time; retry with backoff.'));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(400).send(aip193('INVALID_ARGUMENT', 'Malformed request.'));
    }
    request.log.error({ reqId: request.id, err: { name: error.name, message: error.message, code: error.code, stack: error.stack } }, 'unhandled error');
    return reply.code(500).send(aip193('INTERNAL', 'An internal error occurred.'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = routeTable.allowedMethods(path);
    // A path the router refused for this very method (e.g. an encoded '/' in an id) is no 405.
    if (allowed.length && !allowed.includes(request.method)) {
      reply.header('Allow', allowed.join(', '));
      return reply.code(405).send(aip193('METHOD_NOT_ALLOWED', `Method ${request.method} is not allowed here; allowed: ${allowed.join(', ')}.`));
    }
    return reply.code(404).send(aip193('ROUTE_NOT_FOUND', 'No such endpoint.'));
  });
}

/**
 * Fastify's router errors (undecodable URL, path parameter over maxParamLength) bypass hooks and the
 * error handler; this `frameworkErrors` option gives them the same shape and headers as every error.
 */
export function frameworkErrorHandler(_error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id).headers(SECURITY_HEADERS);
  reply.code(400).send(aip193('INVALID_ARGUMENT', 'Malformed request URL.'));
}

/** Unparseable HTTP (e.g. a bare CR in a header) never reaches Fastify: answer AIP-193 on the raw socket. */
export const clientErrorHandler = (newId: () => string) => (err: NodeJS.ErrnoException, socket: Socket) => {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const body = JSON.stringify(aip193('INVALID_ARGUMENT', 'Malformed HTTP request.'));
    const head = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${newId()}\r\nConnection: close\r\n\r\n`;
    socket.write(head + body);
  }
  socket.destroy(err);
};

import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { aip193 } from '../aip193.js';
import { errorResponse } from '../error-response.js';
import { SECURITY_HEADERS } from './request-context.js';

/** One writer for every error (error-response.ts decides the answer; this logs and sends it). */
export function registerErrorHandling(app: FastifyInstance, routeTable: { allowedMethods(path: string): string[] }): void {
  app.setErrorHandler((error: FastifyError & { field?: string }, request, reply) => {
    const r = errorResponse(error);
    if (r.log === 'store-unavailable') request.log.warn({ reqId: request.id, err: { name: error.name } }, 'database unavailable');
    else if (r.log === 'internal')
      request.log.error({ reqId: request.id, err: { name: error.name, message: error.message, code: error.code, stack: error.stack } }, 'unhandled error');
    if (r.headers) reply.headers(r.headers);
    return reply.code(r.status).send(r.body);
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

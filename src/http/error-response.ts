import type { FastifyError } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { StoreTimeout, StoreUnavailable } from '../store/store-errors.js';
import { aip193 } from './aip193.js';

/** Fastify's own errors that are the client's fault, mapped to catalogue reasons. */
type RequestReason = 'MALFORMED_JSON' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'INVALID_ARGUMENT';
const FASTIFY_CODES: Record<string, RequestReason> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'INVALID_ARGUMENT',
  FST_ERR_ASYNC_CONSTRAINT: 'INVALID_ARGUMENT',
};

const MESSAGES: Record<Exclude<RequestReason, 'INVALID_ARGUMENT'>, string> = {
  MALFORMED_JSON: 'The request body is not valid JSON.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json.',
};

export interface ErrorResponse {
  status: number;
  headers?: Record<string, string>;
  body: ReturnType<typeof aip193>;
  /** What the caller must log (with the request id): a database outage, or an unexpected error in full. */
  log?: 'store-unavailable' | 'internal';
}

/** The AIP-193 answer for a client-side failure of the request itself (body, media type, size). */
export const requestError = (reason: Exclude<RequestReason, 'INVALID_ARGUMENT'>): ErrorResponse => ({
  status: reason === 'PAYLOAD_TOO_LARGE' ? 413 : reason === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 400,
  body: aip193(reason, MESSAGES[reason]),
});

/**
 * Every error to its response, whichever HTTP path met it: AppError → its catalogue entry; validation
 * and body-parsing errors → 400/413/415; storage outages → 503/504 with Retry-After; anything else → a
 * sanitised 500 (details go to the log, never to the client).
 */
export function errorResponse(error: FastifyError & { field?: string }): ErrorResponse {
  if (error instanceof AppError) return { status: error.httpStatus, headers: error.headers, body: aip193(error.reason, error.message, error.metadata) };
  if (error.validation)
    return { status: 400, body: aip193('INVALID_ARGUMENT', `Invalid request: ${error.message}`, error.field ? { field: error.field } : undefined) };
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return mapped === 'INVALID_ARGUMENT' ? { status: 400, body: aip193(mapped, 'Malformed request.') } : requestError(mapped);
  if (error instanceof StoreUnavailable)
    return {
      status: 503,
      headers: { 'Retry-After': '1' },
      body: aip193('SERVICE_UNAVAILABLE', 'The database is unavailable; retry with backoff.'),
      log: 'store-unavailable',
    };
  if (error instanceof StoreTimeout)
    return { status: 504, headers: { 'Retry-After': '1' }, body: aip193('GATEWAY_TIMEOUT', 'The database did not answer in time; retry with backoff.') };
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return { status: 400, body: aip193('INVALID_ARGUMENT', 'Malformed request.') };
  return { status: 500, body: aip193('INTERNAL', 'An internal error occurred.'), log: 'internal' };
}

import { ERROR_CATALOGUE, type ErrorReason } from '../errors/catalogue.js';

export const ERROR_DOMAIN = 'keysmith';

/** The AIP-193 body for one catalogue reason. The only place that shapes an error response. */
export function aip193(reason: ErrorReason, message: string, metadata?: Record<string, string>) {
  const spec = ERROR_CATALOGUE[reason];
  return {
    error: {
      code: spec.http,
      status: spec.status,
      message,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason,
          domain: ERROR_DOMAIN,
          ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
        },
      ],
    },
  };
}

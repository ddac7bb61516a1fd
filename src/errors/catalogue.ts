/**
 * The closed catalogue of API errors. One row per stable reason; the HTTP status and the canonical
 * gRPC status name come from here and nowhere else. docs/errors.md is generated from this table and
 * a test keeps the two identical.
 */
export type GrpcStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNIMPLEMENTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

export interface ErrorSpec {
  readonly http: number;
  readonly status: GrpcStatus;
  readonly description: string;
}

export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: { http: 400, status: 'INVALID_ARGUMENT', description: 'A request field is missing, malformed or out of range; details name the field.' },
  MALFORMED_JSON: { http: 400, status: 'INVALID_ARGUMENT', description: 'The request body is not valid JSON.' },
  INVALID_PAGE_TOKEN: {
    http: 400,
    status: 'INVALID_ARGUMENT',
    description: 'The page token was tampered with, expired, or belongs to another project or list.',
  },
  INVALID_FILTER: { http: 400, status: 'INVALID_ARGUMENT', description: 'The list filter is not in the supported AIP-160 subset.' },
  INVALID_UPDATE_MASK: { http: 400, status: 'INVALID_ARGUMENT', description: 'The update mask names a field that cannot be updated.' },
  INVALID_TTL: { http: 400, status: 'INVALID_ARGUMENT', description: 'The TTL is not a valid duration, is not positive, or exceeds the project maximum.' },
  DERIVED_TOKEN_NOT_REVOCABLE: { http: 400, status: 'INVALID_ARGUMENT', description: 'Derived tokens expire on their own and cannot be revoked.' },
  UNAUTHENTICATED: { http: 401, status: 'UNAUTHENTICATED', description: 'The Authorization header is missing, malformed, or names no valid token.' },
  PARENT_KEY_INVALID: { http: 401, status: 'UNAUTHENTICATED', description: 'The parent credential of a derive request does not verify.' },
  API_KEY_QUOTA_EXCEEDED: {
    http: 402,
    status: 'RESOURCE_EXHAUSTED',
    description: "The project's plan allows no more active API keys; metadata carries limit and current_usage.",
  },
  PERMISSION_DENIED: { http: 403, status: 'PERMISSION_DENIED', description: 'The token is valid but lacks the permission this call needs.' },
  API_KEYS_NOT_ENABLED: { http: 403, status: 'PERMISSION_DENIED', description: 'API keys are not enabled for this project yet.' },
  PLAN_FEATURE_UNAVAILABLE: {
    http: 403,
    status: 'PERMISSION_DENIED',
    description: "The project's plan does not include this feature (caching, rate limiting).",
  },
  API_KEY_REVOKED: { http: 403, status: 'PERMISSION_DENIED', description: 'The parent key of a derive request is revoked.' },
  SCOPE_NOT_ALLOWED: { http: 403, status: 'PERMISSION_DENIED', description: 'A requested scope is not held by the parent key.' },
  API_KEY_NOT_FOUND: { http: 404, status: 'NOT_FOUND', description: 'No such key in this project (or the proof of possession failed).' },
  ROUTE_NOT_FOUND: { http: 404, status: 'NOT_FOUND', description: 'No such endpoint (in this serve mode).' },
  PROJECT_NOT_FOUND: { http: 404, status: 'NOT_FOUND', description: 'No such project (or the host names none).' },
  TOKEN_NOT_FOUND: { http: 404, status: 'NOT_FOUND', description: 'No such project API token.' },
  METHOD_NOT_ALLOWED: { http: 405, status: 'UNIMPLEMENTED', description: 'The endpoint exists but not with this HTTP method.' },
  API_KEY_EXISTS: { http: 409, status: 'ALREADY_EXISTS', description: 'The key (or its request_id) already exists.' },
  PROJECT_EXISTS: { http: 409, status: 'ALREADY_EXISTS', description: 'A project with this slug or custom domain already exists.' },
  API_KEY_ALREADY_REVOKED: { http: 409, status: 'ALREADY_EXISTS', description: 'The key is already revoked; revocation is irreversible.' },
  ISSUED_KEY_FORMAT: {
    http: 409,
    status: 'ALREADY_EXISTS',
    description: 'The raw key has the format of a Keysmith-issued key; issued keys cannot be imported.',
  },
  DERIVED_TOKEN_FORMAT: {
    http: 409,
    status: 'FAILED_PRECONDITION',
    description: 'The raw key has the shape of a derived token (JWT or macaroon) and cannot be imported.',
  },
  FAILED_PRECONDITION: {
    http: 409,
    status: 'FAILED_PRECONDITION',
    description: 'The key is not in a state that allows this operation (for example rotating a revoked key).',
  },
  API_KEY_EXPIRED: { http: 409, status: 'FAILED_PRECONDITION', description: 'The parent key of a derive request has expired.' },
  CONFLICT: { http: 409, status: 'ABORTED', description: 'A concurrent change won; retry the request.' },
  PAYLOAD_TOO_LARGE: { http: 413, status: 'INVALID_ARGUMENT', description: 'The request body exceeds 1 MiB.' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, status: 'INVALID_ARGUMENT', description: 'The request body must be application/json.' },
  TOO_MANY_REQUESTS: { http: 429, status: 'RESOURCE_EXHAUSTED', description: 'Too many requests; retry after the Retry-After delay.' },
  INTERNAL: { http: 500, status: 'INTERNAL', description: 'An unexpected error; the request id is logged with details.' },
  SERVICE_UNAVAILABLE: { http: 503, status: 'UNAVAILABLE', description: 'A dependency (the database) is unavailable; retry with backoff.' },
  GATEWAY_TIMEOUT: { http: 504, status: 'DEADLINE_EXCEEDED', description: 'A dependency (the database) did not answer in time; retry with backoff.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorReason = keyof typeof ERROR_CATALOGUE;

// A non-2xx answer from the Keysmith admin API, parsed from its AIP-193 body
// `{"error":{"code","status","message","details":[{"reason",...}]}}` (SPEC §3 "Errors").

/** gRPC canonical names for the HTTP codes Keysmith uses, for bodies that lack `error.status`. */
const STATUS_BY_HTTP: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'PAYMENT_REQUIRED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'FAILED_PRECONDITION',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Longest slice of a non-JSON body (an HTML proxy page, say) quoted in a message. */
const MAX_TEXT = 200;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status code. */
  readonly status: number;
  /** AIP-193 `status` string, e.g. `NOT_FOUND`. */
  readonly statusName: string;
  /** `details[].reason` of the first ErrorInfo, e.g. `API_KEY_NOT_FOUND`. */
  readonly reason?: string;
  /** Server `X-Request-ID`, to quote when reporting a problem. */
  readonly requestId?: string;
  /** The parsed body (or its text when it was not JSON). */
  readonly body: unknown;

  constructor(init: {
    status: number;
    statusName: string;
    message: string;
    reason?: string;
    requestId?: string;
    body: unknown;
  }) {
    const suffix = init.reason ? ` (${init.reason})` : '';
    super(`${init.status} ${init.statusName}: ${init.message}${suffix}`);
    this.status = init.status;
    this.statusName = init.statusName;
    this.reason = init.reason;
    this.requestId = init.requestId;
    this.body = init.body;
  }

  /**
   * Builds the error from a response's status and raw text. `redact` removes secrets (the admin
   * token) from anything the server echoed back before it reaches a message.
   */
  static fromResponse(status: number, text: string, requestId: string | undefined, redact: (s: string) => string): ApiError {
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy or load balancer answered): quote the text below.
    }
    const err = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    const statusName = (typeof err?.status === 'string' && err.status) || STATUS_BY_HTTP[status] || `HTTP_${status}`;
    let message: string;
    if (typeof err?.message === 'string' && err.message) message = err.message;
    else if (text && !err) message = oneLine(text).slice(0, MAX_TEXT);
    else message = 'request failed';
    const details = Array.isArray(err?.details) ? err.details : [];
    const info = details.find((d) => isRecord(d) && typeof d.reason === 'string');
    const reason = isRecord(info) ? (info.reason as string) : undefined;
    return new ApiError({
      status,
      statusName: redact(statusName),
      message: redact(message),
      reason: reason === undefined ? undefined : redact(reason),
      requestId,
      body,
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

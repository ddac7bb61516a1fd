import type { ErrorBody } from './wire-types.js';

/** gRPC canonical names for bodies that lack `error.status` (a proxy's HTML page, say). */
const STATUS_BY_HTTP: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'PAYMENT_REQUIRED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'FAILED_PRECONDITION',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Reasons the SDK itself sets when no answer came back (`code` is 0 then). */
export type ClientSideReason = 'CLIENT_TIMEOUT' | 'CLIENT_ABORTED' | 'CLIENT_NETWORK_ERROR' | 'CLIENT_BAD_RESPONSE';

export interface KeysmithErrorInit {
  code: number;
  status: string;
  message: string;
  reason?: string;
  metadata?: Record<string, string>;
  requestId?: string;
  cause?: unknown;
}

/**
 * An AIP-193 error answer of the Keysmith API, or a call that got no usable answer. Branch on
 * `reason` (the stable catalogue code, e.g. `API_KEY_NOT_FOUND`) or `status`, never on `message`.
 * When no response arrived, `code` is 0 and `reason` is one of ClientSideReason.
 */
export class KeysmithError extends Error {
  override readonly name = 'KeysmithError';
  /** HTTP status (= AIP-193 `error.code`); 0 when no response arrived. */
  readonly code: number;
  /** AIP-193 canonical status, e.g. `NOT_FOUND`, `FAILED_PRECONDITION`. */
  readonly status: string;
  /** `details[0].reason` (ErrorInfo), e.g. `API_KEY_NOT_FOUND`; empty when the body had none. */
  readonly reason: string;
  /** `details[0].metadata`, e.g. `{ limit, current_usage }` for a quota error. */
  readonly metadata: Record<string, string>;
  /** The server's `X-Request-ID`, to quote when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(init: KeysmithErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.reason = init.reason ?? '';
    this.metadata = init.metadata ?? {};
    this.requestId = init.requestId;
  }

  /** Builds the error from a non-2xx response (AIP-193 body, or anything else a proxy sent). */
  static fromResponse(httpStatus: number, text: string, requestId: string | undefined): KeysmithError {
    let body: Partial<ErrorBody> | undefined;
    try {
      body = JSON.parse(text) as Partial<ErrorBody>;
    } catch {
      body = undefined;
    }
    const e = body && typeof body.error === 'object' && body.error !== null ? body.error : undefined;
    const info = Array.isArray(e?.details) ? e.details.find((d) => d && typeof d.reason === 'string') : undefined;
    const status = typeof e?.status === 'string' ? e.status : (STATUS_BY_HTTP[httpStatus] ?? 'UNKNOWN');
    const message = typeof e?.message === 'string' && e.message ? e.message : `HTTP ${httpStatus}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`;
    return new KeysmithError({
      code: httpStatus,
      status,
      message,
      reason: info?.reason,
      metadata: info?.metadata && typeof info.metadata === 'object' ? { ...info.metadata } : {},
      requestId,
    });
  }
}

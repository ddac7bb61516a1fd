import { KeysmithError } from './keysmith-error.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface CallOptions {
  /** Cancels the call (combined with the timeout). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Extra request headers (e.g. `X-Forwarded-For` when the project trusts it). */
  headers?: Record<string, string>;
}

export interface TransportOptions {
  endpoint: string;
  token?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Retries of idempotent calls (GET) after a network error or a 502/503/504. Default 2. */
  retries?: number;
}

const RETRYABLE = new Set([502, 503, 504]);

/**
 * One JSON request/response exchange with timeouts and AIP-193 error mapping. Only GETs are retried:
 * a retried issue, rotate or revoke could act twice (a second key, a 409 that hides the first
 * success), so those surface the first failure to the caller, who knows whether a replay is safe.
 */
export class Transport {
  readonly endpoint: string;
  readonly #token: string | undefined;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #retries: number;

  constructor(opts: TransportOptions) {
    let url: URL;
    try {
      url = new URL(opts.endpoint);
    } catch {
      throw new TypeError(`endpoint must be an absolute http(s) URL, got ${JSON.stringify(opts.endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('endpoint must use http or https');
    this.endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#retries = Math.max(0, opts.retries ?? 2);
  }

  async request<T>(method: string, path: string, body: unknown, opts: CallOptions & { anonymous?: boolean } = {}): Promise<T> {
    const attempts = method === 'GET' ? this.#retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(method, path, body, opts);
      } catch (e) {
        const retryable = e instanceof KeysmithError && (RETRYABLE.has(e.code) || e.reason === 'CLIENT_NETWORK_ERROR');
        if (!retryable || attempt >= attempts || opts.signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      }
    }
  }

  async #once<T>(method: string, path: string, body: unknown, opts: CallOptions & { anonymous?: boolean }): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.#timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token && !opts.anonymous) headers.authorization = `Bearer ${this.#token}`;
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(`${this.endpoint}${path}`, {
        method,
        headers,
        signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      text = await res.text();
    } catch (cause) {
      // Security: the message names the call, never the token or the body (credentials travel in it).
      if (timeout.aborted) throw clientError('DEADLINE_EXCEEDED', 'CLIENT_TIMEOUT', `${method} ${path}: no answer in time`, cause);
      if (opts.signal?.aborted) throw clientError('CANCELLED', 'CLIENT_ABORTED', `${method} ${path}: aborted`, cause);
      throw clientError('UNAVAILABLE', 'CLIENT_NETWORK_ERROR', `${method} ${path}: ${(cause as Error)?.message ?? 'network error'}`, cause);
    }
    const requestId = res.headers.get('x-request-id') ?? undefined;
    if (!res.ok) throw KeysmithError.fromResponse(res.status, text, requestId);
    if (res.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new KeysmithError({ code: res.status, status: 'UNKNOWN', reason: 'CLIENT_BAD_RESPONSE', message: 'The answer is not JSON.', requestId, cause });
    }
  }
}

function clientError(status: string, reason: string, message: string, cause: unknown): KeysmithError {
  return new KeysmithError({ code: 0, status, reason, message, cause });
}

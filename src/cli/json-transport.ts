// One JSON request to a Keysmith API on the global (or an injected) `fetch`: bearer token, timeout,
// no redirects, AIP-193 errors as ApiError. Shared by the admin client (http-client.ts) and the
// operator client (operator-client.ts). It does no retries: most calls mutate, and a retried
// create could mint two keys or tokens.
import { ApiError } from './api-error.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface JsonTransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:4420`; a path prefix is kept. */
  endpoint: string;
  /** Sent as `Authorization: Bearer <token>`; redacted from every message. */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class JsonTransport {
  /** Origin plus any path prefix, without a trailing slash (never userinfo). */
  readonly endpoint: string;
  readonly #token?: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  /** Throws a TypeError for an endpoint that is not an http(s) URL. */
  constructor(opts: JsonTransportOptions) {
    let base: URL;
    try {
      base = new URL(opts.endpoint);
    } catch {
      throw new TypeError(`invalid endpoint URL: ${opts.endpoint}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`invalid endpoint URL (want http or https): ${base.protocol}`);
    }
    // Security: `origin` drops userinfo (it may hold a password), so messages never echo it.
    this.endpoint = base.origin + base.pathname.replace(/\/+$/, '');
    this.#token = opts.token || undefined;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `path` starts with `/` and is already encoded; an empty 2xx body resolves to undefined. */
  async request<T>(method: string, path: string, body?: unknown, opts: { anonymous?: boolean } = {}): Promise<T> {
    const url = this.endpoint + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token && !opts.anonymous) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect would replay the bearer token to wherever it points: surface it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new Error(`cannot reach Keysmith at ${this.endpoint}: ${this.redact(describe(cause, this.#timeoutMs))}`, {
        cause,
      });
    }
    const text = await res.text();
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location') ?? 'an unknown location';
      throw new Error(`Keysmith at ${this.endpoint} redirected to ${this.redact(to)}; use that URL as the endpoint`);
    }
    if (!res.ok) {
      throw ApiError.fromResponse(res.status, text, res.headers.get('x-request-id') ?? undefined, (s) => this.redact(s));
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`invalid JSON in the ${res.status} response from Keysmith at ${this.endpoint}`);
    }
  }

  /** Replaces every occurrence of the token in `s`. */
  redact(s: string): string {
    return this.#token ? s.split(this.#token).join('[REDACTED]') : s;
  }
}

/** fetch wraps the useful reason (ECONNREFUSED, ENOTFOUND, a timeout) in `cause`. */
function describe(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = err.cause instanceof Error ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException).code;
  // `localhost` yields an AggregateError (IPv6 + IPv4 attempts) with an empty message.
  if (!cause.message) return code ?? err.message;
  return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
}

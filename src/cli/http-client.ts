// Thin client for the Keysmith admin API on issued keys (SPEC §3), on the global `fetch`.
// It does no retries: every call but verify mutates or is cheap to repeat by hand, and a retried
// issue without a request_id could mint two keys.
import { ApiError } from './api-error.js';
import type {
  IssueKeyBody,
  IssueKeyResponse,
  IssuedApiKey,
  KeyFields,
  ListKeysParams,
  ListKeysResponse,
  RevokeKeyBody,
  RotateKeyBody,
  RotateKeyResponse,
  VerifyResult,
} from './api-types.js';

export { ApiError } from './api-error.js';

const KEYS = '/v2alpha1/admin/issuedApiKeys';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface AdminClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:4420`; a path prefix is kept. */
  endpoint: string;
  /** Project API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AdminClient {
  readonly endpoint: string;
  /** Origin plus any path prefix, without a trailing slash. */
  readonly #base: string;
  readonly #token?: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: AdminClientOptions) {
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
    this.#base = base.origin + base.pathname.replace(/\/+$/, '');
    this.endpoint = this.#base;
    this.#token = opts.token || undefined;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  issue(body: IssueKeyBody): Promise<IssueKeyResponse> {
    return this.#call('POST', KEYS, body);
  }

  list(params: ListKeysParams = {}): Promise<ListKeysResponse> {
    const query = new URLSearchParams();
    if (params.pageSize !== undefined) query.set('page_size', String(params.pageSize));
    if (params.pageToken) query.set('page_token', params.pageToken);
    if (params.filter) query.set('filter', params.filter);
    const qs = query.toString();
    return this.#call<ListKeysResponse>('GET', qs ? `${KEYS}?${qs}` : KEYS).then((res) => ({
      ...res,
      issued_api_keys: res?.issued_api_keys ?? [],
      next_page_token: res?.next_page_token ?? '',
    }));
  }

  get(keyId: string): Promise<IssuedApiKey> {
    return this.#call('GET', keyPath(keyId));
  }

  /** AIP-134: `body` is the key resource (top level); `updateMask` names the fields to apply. */
  update(keyId: string, body: KeyFields, updateMask?: string[]): Promise<IssuedApiKey> {
    // Commas stay literal: `update_mask=name,scopes` is the FieldMask JSON form.
    const mask = updateMask?.length ? `?update_mask=${updateMask.map(encodeURIComponent).join(',')}` : '';
    return this.#call('PATCH', `${keyPath(keyId)}${mask}`, body);
  }

  rotate(keyId: string, body: RotateKeyBody = {}): Promise<RotateKeyResponse> {
    return this.#call('POST', `${keyPath(keyId)}:rotate`, body);
  }

  async revoke(keyId: string, body: RevokeKeyBody = {}): Promise<void> {
    await this.#call('POST', `${keyPath(keyId)}:revoke`, body);
  }

  /** Always answers 200 for a well-formed request: check `is_valid`. */
  verify(credential: string): Promise<VerifyResult> {
    return this.#call('POST', '/v2alpha1/admin/apiKeys:verify', { credential });
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.#base + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
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
      throw new Error(`cannot reach Keysmith at ${this.endpoint}: ${this.#redact(describe(cause, this.#timeoutMs))}`, {
        cause,
      });
    }
    const text = await res.text();
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location') ?? 'an unknown location';
      throw new Error(`Keysmith at ${this.endpoint} redirected to ${this.#redact(to)}; use that URL as the endpoint`);
    }
    if (!res.ok) {
      throw ApiError.fromResponse(res.status, text, res.headers.get('x-request-id') ?? undefined, (s) =>
        this.#redact(s),
      );
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`invalid JSON in the ${res.status} response from Keysmith at ${this.endpoint}`);
    }
  }

  #redact(s: string): string {
    return this.#token ? s.split(this.#token).join('[REDACTED]') : s;
  }
}

function keyPath(keyId: string): string {
  if (!keyId) throw new TypeError('key_id is required');
  return `${KEYS}/${encodeURIComponent(keyId)}`;
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

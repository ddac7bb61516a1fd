// Thin client for the Keysmith admin API on issued keys (SPEC §3); requests go through
// json-transport.ts. It does no retries: every call but verify mutates or is cheap to repeat by
// hand, and a retried issue without a request_id could mint two keys.
import type {
  BatchImportResponse,
  ImportKeyRequest,
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
import { JsonTransport } from './json-transport.js';

export { ApiError } from './api-error.js';

const KEYS = '/v2alpha1/admin/issuedApiKeys';

export interface AdminClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:4420`; a path prefix is kept. */
  endpoint: string;
  /** Project API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AdminClient {
  /** Origin plus any path prefix, without a trailing slash. */
  readonly endpoint: string;
  readonly #http: JsonTransport;

  constructor(opts: AdminClientOptions) {
    this.#http = new JsonTransport(opts);
    this.endpoint = this.#http.endpoint;
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

  derive(body: { credential: string; ttl?: string; scopes?: string[]; custom_claims?: Record<string, unknown>; algorithm?: string }): Promise<{
    token: { token: string; expire_time: string; scopes: string[]; claims: Record<string, unknown> };
  }> {
    return this.#call('POST', '/v2alpha1/admin/apiKeys:derive', { ...body, algorithm: body.algorithm ?? 'TOKEN_ALGORITHM_JWT' });
  }

  /** Public endpoint: no token needed (the credential is the proof); sent without Authorization. */
  selfRevoke(credential: string, reason: string): Promise<Record<string, never>> {
    return this.#call('POST', '/v2alpha1/apiKeys:selfRevoke', { credential, reason }, { anonymous: true });
  }

  /**
   * One `importedApiKeys:batchCreate` call (1–1000 items). Like every call here it does not retry;
   * `keys import` does, which is safe because every item it sends carries a request_id.
   */
  batchImport(requests: ImportKeyRequest[]): Promise<BatchImportResponse> {
    return this.#call('POST', '/v2alpha1/admin/importedApiKeys:batchCreate', { requests });
  }

  #call<T>(method: string, path: string, body?: unknown, opts?: { anonymous?: boolean }): Promise<T> {
    return this.#http.request<T>(method, path, body, opts);
  }
}

function keyPath(keyId: string): string {
  if (!keyId) throw new TypeError('key_id is required');
  return `${KEYS}/${encodeURIComponent(keyId)}`;
}

import { ImportedKeysApi } from './imported-keys-api.js';
import { IssuedKeysApi } from './issued-keys-api.js';
import { keyPath } from './paginate.js';
import { type CallOptions, type FetchLike, Transport } from './transport.js';
import type {
  BatchVerifyApiKeysResponse,
  DeriveTokenRequest,
  DeriveTokenResponse,
  RevokeApiKeyRequest,
  SelfRevokeApiKeyRequest,
  VerifyApiKeyResponse,
} from './wire-types.js';

export interface KeysmithClientOptions {
  /** Base URL of the API listener, e.g. `https://keys.example.com` (a path prefix, such as a reverse proxy's, is kept). */
  endpoint: string;
  /** Project API token (`ks_pat_…`), sent as `Authorization: Bearer`. Not needed for `selfRevoke`. */
  token?: string;
  /** Injected fetch (tests, proxies, instrumentation). Default: the global fetch. */
  fetch?: FetchLike;
  /** Per-call timeout in ms (default 10 000); a call's own `timeoutMs`/`signal` take precedence. */
  timeoutMs?: number;
  /** Retries of GET calls on network errors and 502/503/504 (default 2). Nothing else is retried. */
  retries?: number;
}

/**
 * Typed client for the Keysmith `/v2alpha1` admin API. Every non-2xx answer is thrown as a
 * KeysmithError (AIP-193 code, status, reason, metadata, X-Request-ID).
 */
export class KeysmithClient {
  readonly issuedKeys: IssuedKeysApi;
  readonly importedKeys: ImportedKeysApi;
  readonly #http: Transport;

  constructor(opts: KeysmithClientOptions) {
    this.#http = new Transport(opts);
    this.issuedKeys = new IssuedKeysApi(this.#http);
    this.importedKeys = new ImportedKeysApi(this.#http);
  }

  /** Origin plus path prefix, without a trailing slash. */
  get endpoint(): string {
    return this.#http.endpoint;
  }

  /** Revokes an issued or imported key by id (`apiKeys/{key_id}:revoke`, the alias Talos guides use). */
  async revoke(keyId: string, body: RevokeApiKeyRequest, opts?: CallOptions): Promise<void> {
    await this.#http.request('POST', `${keyPath('/v2alpha1/admin/apiKeys', keyId)}:revoke`, body, opts);
  }

  /** Always resolves for a well-formed request: check `is_valid` and `error_code`. */
  verify(credential: string, opts?: CallOptions): Promise<VerifyApiKeyResponse> {
    return this.#http.request('POST', '/v2alpha1/admin/apiKeys:verify', { credential }, opts);
  }

  /** 1–100 credentials; results in the same order. */
  async batchVerify(credentials: readonly string[], opts?: CallOptions): Promise<VerifyApiKeyResponse[]> {
    const res = await this.#http.request<BatchVerifyApiKeysResponse>(
      'POST',
      '/v2alpha1/admin/apiKeys:batchVerify',
      { requests: credentials.map((credential) => ({ credential })) },
      opts,
    );
    return res.results;
  }

  /** Exchanges a key for a short-lived JWT (default) or macaroon, narrower than its parent. */
  derive(body: DeriveTokenRequest, opts?: CallOptions): Promise<DeriveTokenResponse> {
    return this.#http.request('POST', '/v2alpha1/admin/apiKeys:derive', body, opts);
  }

  /**
   * Public endpoint: the holder revokes its own key; the credential is the proof, so no admin token
   * is sent. The project is the one the endpoint resolves to (host or `/projects/<slug>` prefix).
   */
  async selfRevoke(body: SelfRevokeApiKeyRequest, opts?: CallOptions): Promise<void> {
    await this.#http.request('POST', '/v2alpha1/apiKeys:selfRevoke', body, { ...opts, anonymous: true });
  }
}

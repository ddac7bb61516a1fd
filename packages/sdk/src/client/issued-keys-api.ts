import { keyPath, listQuery, maskQuery, paginate } from './paginate.js';
import type { CallOptions, Transport } from './transport.js';
import type {
  IssueApiKeyRequest,
  IssueApiKeyResponse,
  IssuedApiKey,
  ListApiKeysParams,
  ListIssuedApiKeysResponse,
  RevokeApiKeyRequest,
  RotateIssuedApiKeyRequest,
  RotateIssuedApiKeyResponse,
  UpdateApiKeyRequest,
  UpdateMaskField,
} from './wire-types.js';

const BASE = '/v2alpha1/admin/issuedApiKeys';

/** `/v2alpha1/admin/issuedApiKeys…`: keys Keysmith generates (the secret is returned once). */
export class IssuedKeysApi {
  constructor(private readonly http: Transport) {}

  /** Not retried: without `request_id` a replay would mint a second key. Pass one to make it safe. */
  issue(body: IssueApiKeyRequest, opts?: CallOptions): Promise<IssueApiKeyResponse> {
    return this.http.request('POST', BASE, body, opts);
  }

  get(keyId: string, opts?: CallOptions): Promise<IssuedApiKey> {
    return this.http.request('GET', keyPath(BASE, keyId), undefined, opts);
  }

  /** One page; `next_page_token` is '' on the last. */
  async list(params: ListApiKeysParams = {}, opts?: CallOptions): Promise<ListIssuedApiKeysResponse> {
    const page = await this.http.request<Partial<ListIssuedApiKeysResponse>>('GET', `${BASE}${listQuery(params)}`, undefined, opts);
    return { issued_api_keys: page?.issued_api_keys ?? [], next_page_token: page?.next_page_token ?? '' };
  }

  /** Every key matching `filter`, page by page (`for await (const key of client.issuedKeys.listAll())`). */
  listAll(params: Omit<ListApiKeysParams, 'page_token'> = {}, opts?: CallOptions): AsyncGenerator<IssuedApiKey, void, undefined> {
    return paginate(
      (p) => this.list(p, opts),
      (page) => page.issued_api_keys,
      params,
    );
  }

  /** AIP-134: only the fields named in `updateMask` change (no mask = every field present in `body`). */
  update(keyId: string, body: UpdateApiKeyRequest, updateMask?: readonly UpdateMaskField[], opts?: CallOptions): Promise<IssuedApiKey> {
    return this.http.request('PATCH', `${keyPath(BASE, keyId)}${maskQuery(updateMask)}`, body, opts);
  }

  /** New key inheriting every absent field; the old one is revoked (SUPERSEDED) in the same transaction. */
  rotate(keyId: string, body: RotateIssuedApiKeyRequest = {}, opts?: CallOptions): Promise<RotateIssuedApiKeyResponse> {
    return this.http.request('POST', `${keyPath(BASE, keyId)}:rotate`, body, opts);
  }

  /** Irreversible; an already revoked key is 409 FAILED_PRECONDITION. */
  async revoke(keyId: string, body: RevokeApiKeyRequest, opts?: CallOptions): Promise<void> {
    await this.http.request('POST', `${keyPath(BASE, keyId)}:revoke`, body, opts);
  }
}

import { keyPath, listQuery, maskQuery, paginate } from './paginate.js';
import type { CallOptions, Transport } from './transport.js';
import type {
  BatchImportApiKeysResponse,
  ImportApiKeyRequest,
  ImportedApiKey,
  ListApiKeysParams,
  ListImportedApiKeysResponse,
  RevokeApiKeyRequest,
  UpdateApiKeyRequest,
  UpdateMaskField,
} from './wire-types.js';

const BASE = '/v2alpha1/admin/importedApiKeys';

/** `/v2alpha1/admin/importedApiKeys…`: keys issued elsewhere, stored only as a hash. */
export class ImportedKeysApi {
  constructor(private readonly http: Transport) {}

  /** Duplicate raw key → 409 ALREADY_EXISTS; a string shaped like a Keysmith credential → 409. */
  import(body: ImportApiKeyRequest, opts?: CallOptions): Promise<ImportedApiKey> {
    return this.http.request('POST', BASE, body, opts);
  }

  /** 1–1000 items, each validated on its own; 200 as soon as one succeeded (check `results[]`). */
  batchImport(requests: ImportApiKeyRequest[], opts?: CallOptions): Promise<BatchImportApiKeysResponse> {
    return this.http.request('POST', `${BASE}:batchCreate`, { requests }, opts);
  }

  get(keyId: string, opts?: CallOptions): Promise<ImportedApiKey> {
    return this.http.request('GET', keyPath(BASE, keyId), undefined, opts);
  }

  async list(params: ListApiKeysParams = {}, opts?: CallOptions): Promise<ListImportedApiKeysResponse> {
    const page = await this.http.request<Partial<ListImportedApiKeysResponse>>('GET', `${BASE}${listQuery(params)}`, undefined, opts);
    return { imported_api_keys: page?.imported_api_keys ?? [], next_page_token: page?.next_page_token ?? '' };
  }

  listAll(params: Omit<ListApiKeysParams, 'page_token'> = {}, opts?: CallOptions): AsyncGenerator<ImportedApiKey, void, undefined> {
    return paginate(
      (p) => this.list(p, opts),
      (page) => page.imported_api_keys,
      params,
    );
  }

  update(keyId: string, body: UpdateApiKeyRequest, updateMask?: readonly UpdateMaskField[], opts?: CallOptions): Promise<ImportedApiKey> {
    return this.http.request('PATCH', `${keyPath(BASE, keyId)}${maskQuery(updateMask)}`, body, opts);
  }

  /** Hard delete (the record is gone, unlike revoke). Not retried: a replay would answer 404. */
  async delete(keyId: string, opts?: CallOptions): Promise<void> {
    await this.http.request('DELETE', keyPath(BASE, keyId), undefined, opts);
  }

  async revoke(keyId: string, body: RevokeApiKeyRequest, opts?: CallOptions): Promise<void> {
    await this.http.request('POST', `${keyPath(BASE, keyId)}:revoke`, body, opts);
  }
}

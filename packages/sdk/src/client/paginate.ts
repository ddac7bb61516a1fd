import type { ListApiKeysParams } from './wire-types.js';

/**
 * Walks every page of a list call, yielding items one by one and requesting the next page only when
 * the caller has consumed the current one. Stops at an empty `next_page_token`; a server that hands
 * back the same token twice would loop forever, so that is treated as the end too.
 */
export async function* paginate<T, P>(
  fetchPage: (params: ListApiKeysParams) => Promise<P>,
  itemsOf: (page: P) => T[],
  params: Omit<ListApiKeysParams, 'page_token'> & { page_token?: string },
): AsyncGenerator<T, void, undefined> {
  let token = params.page_token ?? '';
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage({ ...params, ...(token ? { page_token: token } : {}) });
    yield* itemsOf(page);
    const next = (page as { next_page_token?: string }).next_page_token ?? '';
    if (!next || seen.has(next)) return;
    seen.add(next);
    token = next;
  }
}

/** `?filter=…&page_size=…&page_token=…` with only the parameters that are set. */
export function listQuery(params: ListApiKeysParams): string {
  const q = new URLSearchParams();
  if (params.filter) q.set('filter', params.filter);
  if (params.page_size !== undefined) q.set('page_size', String(params.page_size));
  if (params.page_token) q.set('page_token', params.page_token);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `?update_mask=name,scopes` (the FieldMask JSON form: commas stay literal). */
export function maskQuery(mask: readonly string[] | undefined): string {
  return mask?.length ? `?update_mask=${mask.map(encodeURIComponent).join(',')}` : '';
}

/** `/base/<id>` with the id encoded; an empty id is a programming error, not a request. */
export function keyPath(base: string, keyId: string): string {
  if (typeof keyId !== 'string' || keyId === '') throw new TypeError('key_id is required');
  return `${base}/${encodeURIComponent(keyId)}`;
}

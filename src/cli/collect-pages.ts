// `--all` for the paginated operator lists: follow next_page_token to the last page.

export interface Page<T> {
  items: T[];
  next: string;
}

/**
 * Fetches the first page (from `pageToken`), then, when `all`, every following one. Returns every
 * item and the token of the page after the last one fetched (`''` when the list is exhausted).
 */
export async function collectPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
  pageToken: string | undefined,
  all: boolean,
): Promise<Page<T>> {
  let page = await fetchPage(pageToken);
  const items = [...page.items];
  const seen = new Set<string>();
  while (all && page.next) {
    // A server that hands back a token twice would loop forever: stop rather than hang.
    if (seen.has(page.next)) throw new Error('the server repeated a page token; stopping --all');
    seen.add(page.next);
    page = await fetchPage(page.next);
    items.push(...page.items);
  }
  return { items, next: page.next };
}

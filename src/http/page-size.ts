import { invalidArgument } from '../errors/app-error.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../keys/key-lifecycle.js';

/** `page_size` from a query string: absent, empty or ≤ 0 → the default, clamped to the maximum; not an integer → 400. */
export function pageSizeOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^-?\d{1,9}$/.test(raw)) throw invalidArgument('page_size must be an integer.', 'page_size');
  const n = Number(raw);
  return n <= 0 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
}

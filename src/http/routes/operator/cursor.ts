import { openToken, sealToken } from '../../../crypto/sealed-token.js';
import { AppError, invalidArgument } from '../../../errors/app-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/**
 * Opaque keyset cursors of the operator lists (projects, tokens' audit events): AES-GCM under a key
 * derived from the master key, with the list (and project) as associated data — so a token is bound
 * to its list and project, and tampering is a 400, on every node sharing the master key.
 */
export class OperatorCursors {
  constructor(private readonly key: Buffer) {}

  encode(list: string, last: string): string {
    return sealToken(this.key, Buffer.from(last, 'utf8'), `keysmith/operator-page/v1|${list}`);
  }

  decode(list: string, token: string): string {
    const plain = openToken(this.key, token, `keysmith/operator-page/v1|${list}`);
    if (!plain) throw new AppError('INVALID_PAGE_TOKEN', 'The page token is invalid, or was issued for another project or list.');
    return plain.toString('utf8');
  }
}

/** `page_size` as a query string: absent or ≤ 0 → default, clamped to the maximum, non-integer → 400. */
export function pageSizeOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^-?\d{1,9}$/.test(raw)) throw invalidArgument('page_size must be an integer.', 'page_size');
  const n = Number(raw);
  return n <= 0 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
}

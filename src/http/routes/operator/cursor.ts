import { openToken, sealToken } from '../../../crypto/sealed-token.js';
import { AppError } from '../../../errors/app-error.js';

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

export { pageSizeOf } from '../../page-size.js';

import { sha256Hex } from '../crypto/hashes.js';
import { openToken, sealToken } from '../crypto/sealed-token.js';
import { AppError } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { KeyKind } from '../store/records.js';

/**
 * Opaque keyset cursors: AES-256-GCM over {last key_id, filter digest}, with the project and list kind
 * as associated data, under a key derived from the project's HMAC secret (current; retired ones still
 * open tokens). A tampered token, one from another project or list, or one reused with another filter
 * is a 400.
 */
const aad = (projectId: string, kind: KeyKind) => `keysmith/page/v1|${projectId}|${kind}`;
const filterDigest = (filter: string) => sha256Hex(filter).slice(0, 16);

export function encodePageToken(ctx: ProjectContext, kind: KeyKind, lastKeyId: string, filter: string): string {
  const payload = Buffer.from(JSON.stringify({ k: lastKeyId, f: filterDigest(filter) }));
  return sealToken(ctx.pageTokenKeys[0], payload, aad(ctx.id, kind));
}

export function decodePageToken(ctx: ProjectContext, kind: KeyKind, token: string, filter: string): string {
  for (const key of ctx.pageTokenKeys) {
    const plain = openToken(key, token, aad(ctx.id, kind));
    if (!plain) continue;
    let parsed: { k?: unknown; f?: unknown };
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      break;
    }
    if (typeof parsed.k !== 'string' || parsed.f !== filterDigest(filter)) break;
    return parsed.k;
  }
  throw new AppError('INVALID_PAGE_TOKEN', 'The page token is invalid, or was issued for another project, list or filter.');
}

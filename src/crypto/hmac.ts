import { createHmac } from 'node:crypto';

export function hmacSha256(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Derives an independent key for one purpose from a root secret, so that e.g. the pagination
 * cursor key and the macaroon root key never equal each other or the secret itself.
 * Labels are versioned strings such as "keysmith/pagination/v1/cursor-key".
 */
export function deriveSubkey(secret: Buffer, label: string): Buffer {
  return hmacSha256(secret, label);
}

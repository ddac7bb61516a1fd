import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Opaque authenticated tokens (list page tokens and similar): the holder can neither read nor
// alter them. Layout before base64url (no padding):
//   0x01 version ‖ 12-byte random IV ‖ AES-256-GCM ciphertext ‖ 16-byte tag
// The aad binds a token to its use (e.g. project id + list kind) without putting it in the token.

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_BYTES = 1 + IV_BYTES + TAG_BYTES;
// Page tokens are tiny; the cap keeps hostile input from costing decode + decrypt work.
const MAX_TOKEN_CHARS = 4096;

/** Throws only on programmer error (a key that is not 32 bytes). */
export function sealToken(key: Buffer, payload: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Returns the payload, or null on any problem: bad characters, non-canonical base64url, too short,
 * too long, unknown version, wrong key, wrong aad, tampering. Never throws.
 */
export function openToken(key: Buffer, token: string, aad: string): Buffer | null {
  try {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
    if (!/^[A-Za-z0-9_-]*$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    // Round trip rejects a second spelling of the same bytes (stray trailing bits).
    if (raw.length < MIN_BYTES || raw[0] !== VERSION || raw.toString('base64url') !== token) return null;
    const iv = raw.subarray(1, 1 + IV_BYTES);
    const ciphertext = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

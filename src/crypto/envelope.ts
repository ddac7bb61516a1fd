import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

// Envelope encryption for secrets at rest (SPEC §6): every value gets its own random data key
// (DEK); only the DEK is encrypted under the master key (KEK), which never touches the database.
// Both layers are AES-256-GCM and both are bound to a caller-supplied context (for example
// "project:<id>|hmac-secret"), so a sealed value copied to another row or project fails to open.
//
// Wire format (ASCII, safe for any text column):
//   ksenv1.<keyId>.<wrapIv>.<wrappedDek>.<wrapTag>.<dataIv>.<ciphertext>.<dataTag>
// each part after keyId is base64url without padding; ciphertext may be empty.

const VERSION = 'ksenv1';
const PART_COUNT = 8;
const IV_BYTES = 12; // the GCM-recommended nonce size; random per encryption
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const DEK_AAD_PREFIX = 'keysmith/dek/v1|';
const KEY_ID_LABEL = 'keysmith/kek-id/v1';

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/**
 * Accepts a 32-byte master key as 64 hex characters or 43/44 base64/base64url characters.
 * Surrounding whitespace is ignored (keys read from files usually end with a newline).
 * Error messages never echo the input.
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    // Node's base64 decoder accepts both alphabets; the round-trip check rejects non-canonical
    // trailing bits so that one key has exactly one accepted spelling per alphabet.
    const key = Buffer.from(trimmed, 'base64');
    const canonical = trimmed.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    if (key.length === KEY_BYTES && key.toString('base64url') === canonical) return key;
  }
  throw new Error('invalid master key: expected 32 bytes encoded as 64 hex characters or 43/44 base64/base64url characters');
}

export class EnvelopeCipher {
  /** Public fingerprint of the master key, stored with each value to detect a wrong key early. */
  readonly keyId: string;
  readonly #masterKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new Error('master key must be exactly 32 bytes');
    this.#masterKey = Buffer.from(masterKey); // private copy: callers may zero or reuse theirs
    this.keyId = createHash('sha256').update(KEY_ID_LABEL).update(masterKey).digest('hex').slice(0, 16);
  }

  /** A 32-byte key for another purpose (e.g. page-token integrity), domain-separated by `label`. */
  deriveKey(label: string): Buffer {
    return createHmac('sha256', this.#masterKey).update(`keysmith/derived/v1|${label}`).digest();
  }

  seal(plaintext: Buffer, context: string): string {
    const dek = randomBytes(KEY_BYTES);
    const wrapped = gcmEncrypt(this.#masterKey, dek, DEK_AAD_PREFIX + context);
    const data = gcmEncrypt(dek, plaintext, context);
    dek.fill(0);
    const encoded = [...wrapped, ...data].map((part) => part.toString('base64url'));
    return [VERSION, this.keyId, ...encoded].join('.');
  }

  open(sealed: string, context: string): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== PART_COUNT || parts[0] !== VERSION || !/^[0-9a-f]{16}$/.test(parts[1])) {
      throw new EnvelopeError('sealed value is not in the ksenv1 format');
    }
    if (parts[1] !== this.keyId) {
      throw new EnvelopeError(`the configured master key (id ${this.keyId}) does not match the one the data was sealed with (id ${parts[1]})`);
    }
    const [wrapIv, wrappedDek, wrapTag, dataIv, ciphertext, dataTag] = parts.slice(2).map(decodePart);
    if (
      wrapIv?.length !== IV_BYTES ||
      wrappedDek?.length !== KEY_BYTES ||
      wrapTag?.length !== TAG_BYTES ||
      dataIv?.length !== IV_BYTES ||
      ciphertext === null ||
      dataTag?.length !== TAG_BYTES
    ) {
      throw new EnvelopeError('sealed value is not in the ksenv1 format');
    }
    // Security: a wrong context and tampering are indistinguishable by design (both fail the tag).
    const failure = 'sealed value failed authentication (tampered, or opened with a different context)';
    const dek = gcmDecrypt(this.#masterKey, wrapIv, wrappedDek, wrapTag, DEK_AAD_PREFIX + context);
    if (dek === null) throw new EnvelopeError(failure);
    const plaintext = gcmDecrypt(dek, dataIv, ciphertext, dataTag, context);
    dek.fill(0);
    if (plaintext === null) throw new EnvelopeError(failure);
    return plaintext;
  }
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: string): [Buffer, Buffer, Buffer] {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()];
}

function gcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: string): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

/** Strict base64url (no padding, canonical trailing bits); null when anything is off. */
function decodePart(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

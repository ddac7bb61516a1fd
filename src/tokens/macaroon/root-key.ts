import { deriveSubkey } from '../../crypto/hmac.js';
import { macaroonSigningKey } from '../../../packages/sdk/src/macaroon/index.js';

/** Domain label of the macaroon root key (SPEC §1): never equal to the HMAC secret or its other sub-keys. */
export const MACAROON_ROOT_KEY_LABEL = 'keysmith/macaroon/v1/root-key';

// The libmacaroons signing key of each HMAC secret, computed once per secret buffer. Project contexts
// (and so their secret buffers) are replaced on reload/rotation, so a WeakMap never outlives them
// and never holds a key for a secret that is gone.
const signingKeys = new WeakMap<Buffer, Buffer>();

/** HMAC-SHA256(key = "macaroons-key-generator", root key) where root key = HMAC-SHA256(secret, label). */
export function macaroonSigningKeyFor(hmacSecret: Buffer): Buffer {
  let key = signingKeys.get(hmacSecret);
  if (!key) {
    key = macaroonSigningKey(deriveSubkey(hmacSecret, MACAROON_ROOT_KEY_LABEL));
    signingKeys.set(hmacSecret, key);
  }
  return key;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MacaroonV2 } from './binary-v2.js';

// Signatures exactly as libmacaroons computes them, so any libmacaroons-family library can check ours:
//   k    = HMAC-SHA256(key = "macaroons-key-generator", data = root key)
//   sig0 = HMAC-SHA256(k, identifier)
//   sigi = HMAC-SHA256(sig(i-1), caveat id)          (first-party caveats)

const KEY_GENERATOR = Buffer.from('macaroons-key-generator', 'utf8');

const hmac = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/** The libmacaroons "derived key" of a root key: what sig0 is keyed with. */
export function macaroonSigningKey(rootKey: Buffer): Buffer {
  return hmac(KEY_GENERATOR, rootKey);
}

/** sig0 of a fresh macaroon with no caveats. */
export function initialSignature(signingKey: Buffer, identifier: Buffer): Buffer {
  return hmac(signingKey, identifier);
}

/** The signature after appending one first-party caveat. */
export function chainSignature(signature: Buffer, caveatId: Buffer): Buffer {
  return hmac(signature, caveatId);
}

/**
 * Recomputes the chain from the signing key and compares it with the macaroon's signature in
 * constant time. Does not look at what the caveats say, and refuses third-party caveats (a vid):
 * Keysmith never issues them, and checking them would need discharge macaroons.
 */
export function signatureMatches(m: MacaroonV2, signingKey: Buffer): boolean {
  let sig = initialSignature(signingKey, m.identifier);
  for (const c of m.caveats) {
    if (c.vid) return false;
    sig = chainSignature(sig, c.id);
  }
  return sig.length === m.signature.length && timingSafeEqual(sig, m.signature);
}

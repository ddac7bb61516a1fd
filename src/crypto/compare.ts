import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality for secrets and checksums. Length is not hidden (a mismatch returns false
 * immediately): every value we compare has a public, fixed-ish length, and timingSafeEqual itself
 * throws on unequal lengths. Strings are compared as their UTF-8 bytes.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

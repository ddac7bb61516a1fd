// Base58 with the Bitcoin alphabet (no 0, O, I, l — and no '_', which the key format relies on).
// Schoolbook base conversion over multi-digit limbs held in typed-array scratch: O(n²) in limbs,
// with n ≤ ~12 limbs on our paths. BigInt would allocate per step. Working in 5-digit or 3-byte
// limbs instead of single digits makes it ~2.5× faster (≈0.6 µs to encode a 32-byte checksum,
// measured on Node 20); this runs twice per verified key.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// char code → digit value, -1 for characters outside the alphabet (ASCII only).
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

// Encoding works in limbs of 5 base58 digits (58^5 < 2^30) and eats input 2 bytes at a time:
// limb · 2^16 + carry < 2^47, exact in a double, and floor(x / 58^5) cannot round up because
// the quotient (< 2^17) has far more headroom than the 1/58^5 gap to the next integer.
const LIMB_58 = 656356768; // 58^5
// Decoding works in limbs of 3 bytes (2^24) and eats input 4 digits at a time (58^4 < 2^24):
// limb · 58^4 + carry < 2^48, and dividing by 2^24 is exact.
const LIMB_256 = 16777216; // 2^24
const POW_58 = [1, 58, 3364, 195112, 11316496];

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;

  // log2(58^5) ≈ 29.3 bits per limb
  const limbs = new Uint32Array((((bytes.length - zeros) * 8) / 29 + 2) | 0); // little-endian
  let used = 0;
  for (let i = zeros; i < bytes.length; ) {
    // An odd leading byte goes alone so the rest pairs up.
    const single = ((bytes.length - i) & 1) === 1;
    let carry = single ? bytes[i] : bytes[i] * 256 + bytes[i + 1];
    const multiplier = single ? 256 : 65536;
    i += single ? 1 : 2;
    for (let k = 0; k < used; k++) {
      const x = limbs[k] * multiplier + carry;
      carry = Math.floor(x / LIMB_58);
      limbs[k] = x - carry * LIMB_58;
    }
    while (carry > 0) {
      limbs[used++] = carry % LIMB_58;
      carry = Math.floor(carry / LIMB_58);
    }
  }

  let out = '1'.repeat(zeros);
  if (used === 0) return out;
  let top = limbs[used - 1];
  let head = ''; // the top limb without leading zero digits
  while (top > 0) {
    const q = (top / 58) | 0;
    head = ALPHABET[top - q * 58] + head;
    top = q;
  }
  out += head;
  for (let k = used - 2; k >= 0; k--) {
    let v = limbs[k];
    let chunk = ''; // every lower limb is exactly 5 digits, zero-padded
    for (let d = 0; d < 5; d++) {
      const q = (v / 58) | 0;
      chunk = ALPHABET[v - q * 58] + chunk;
      v = q;
    }
    out += chunk;
  }
  return out;
}

/** Returns null (never throws) for an empty string or any character outside the alphabet. */
export function base58Decode(text: string): Buffer | null {
  if (text.length === 0) return null;
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 49 /* '1' */) zeros++;

  // log2(58) ≈ 5.86 bits per digit, 24 bits per limb
  const limbs = new Uint32Array((((text.length - zeros) * 586) / 2400 + 2) | 0); // little-endian
  let used = 0;
  for (let i = zeros; i < text.length; ) {
    // A short leading chunk so the rest comes in groups of 4.
    const take = (text.length - i) % 4 || 4;
    let carry = 0;
    for (const end = i + take; i < end; i++) {
      const code = text.charCodeAt(i);
      const value = code < 128 ? DIGIT[code] : -1;
      if (value < 0) return null;
      carry = carry * 58 + value;
    }
    const multiplier = POW_58[take];
    for (let k = 0; k < used; k++) {
      const x = limbs[k] * multiplier + carry;
      carry = Math.floor(x / LIMB_256);
      limbs[k] = x - carry * LIMB_256;
    }
    while (carry > 0) {
      limbs[used++] = carry & 0xffffff; // carry < 58^4 + 1 < 2^24 here, so bit operations are safe
      carry >>>= 24;
    }
  }

  if (used === 0) return Buffer.alloc(zeros);
  const top = limbs[used - 1];
  const topBytes = top >= 65536 ? 3 : top >= 256 ? 2 : 1;
  const out = Buffer.alloc(zeros + topBytes + (used - 1) * 3);
  let position = out.length;
  for (let k = 0; k < used; k++) {
    const limb = limbs[k];
    out[--position] = limb & 0xff;
    if (k < used - 1 || topBytes > 1) out[--position] = (limb >>> 8) & 0xff;
    if (k < used - 1 || topBytes > 2) out[--position] = limb >>> 16;
  }
  return out;
}

import { createHash } from 'node:crypto';

/** Two 32-bit values derived from a hash string: the input of the filter's k index functions. */
export interface Fingerprint {
  h1: number;
  h2: number;
}

const HEX16 = /^[0-9a-fA-F]{16}/;

/**
 * The lookup hashes we filter are already uniform cryptographic digests in hex (SHA-512/256 or
 * SHA-256), so their first 64 bits are the fingerprint — no second hash on the hot path. Anything
 * else (never stored today) is digested first, so a malformed value still maps uniformly. Lower-cased:
 * a database comparing case-insensitively would find an upper-case digest, so the filter must too.
 */
export function fingerprintOf(hash: string): Fingerprint {
  const hex = HEX16.test(hash) ? hash : createHash('sha256').update(hash).digest('hex');
  return { h1: Number.parseInt(hex.slice(0, 8), 16) >>> 0, h2: Number.parseInt(hex.slice(8, 16), 16) >>> 0 };
}

/**
 * A plain Bloom filter (no deletes): "definitely absent" or "maybe present". Sized for `capacity`
 * entries at false-positive rate `fpr`: m = −n·ln p / (ln 2)² bits, k = (m/n)·ln 2 index functions —
 * 9.6 bits and k = 7 per entry at 1 %, so 1,000,000 entries take 1.2 MB. The k indexes come from two
 * 32-bit values by double hashing (Kirsch & Mitzenmacher 2006), which keeps the false-positive rate
 * of k independent hashes. Adding past capacity never causes a false negative, only more false positives.
 */
export class BloomFilter {
  private readonly words: Uint32Array;
  readonly bits: number;
  readonly k: number;

  constructor(
    readonly capacity: number,
    readonly fpr = 0.01,
  ) {
    const n = Math.max(1, Math.ceil(capacity));
    const m = Math.max(64, Math.ceil((-n * Math.log(fpr)) / Math.LN2 ** 2));
    this.words = new Uint32Array(Math.ceil(m / 32));
    this.bits = this.words.length * 32;
    this.k = Math.max(1, Math.min(16, Math.round((this.bits / n) * Math.LN2)));
  }

  /** Bytes of the bit array (what the memory bound counts). */
  get bytes(): number {
    return this.words.byteLength;
  }

  /** Returns true if the entry was not certainly present before (some bit was newly set). */
  add(fp: Fingerprint): boolean {
    let changed = false;
    const h2 = (fp.h2 | 1) >>> 0; // odd: the probe sequence never collapses onto one bit
    for (let i = 0; i < this.k; i++) {
      const bit = (fp.h1 + i * h2) % this.bits;
      const w = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.words[w] & mask) === 0) {
        this.words[w] |= mask;
        changed = true;
      }
    }
    return changed;
  }

  has(fp: Fingerprint): boolean {
    const h2 = (fp.h2 | 1) >>> 0;
    for (let i = 0; i < this.k; i++) {
      const bit = (fp.h1 + i * h2) % this.bits;
      if ((this.words[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

import { createHash, hash } from 'node:crypto';

/** One-shot (crypto.hash, Node ≥ 20.12): ≈ 0.5 µs against ≈ 1.7 µs for a Hash object — it runs on every admin request. */
export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/**
 * SHA-512/256 (FIPS 180-4 truncated variant with its own IV — not a truncated SHA-512) over the
 * concatenation of `parts`, lowercase hex. Parts are fed without separators: callers that need
 * unambiguous framing (e.g. project_id ‖ 0x00 ‖ raw key) must pass the separator themselves.
 */
export function sha512_256Hex(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha512-256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

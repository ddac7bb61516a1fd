import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** The only source of ids and random secrets. Tests may inject a deterministic one. */
export interface IdSource {
  uuid(): string;
  /** UUIDv7: sorts by creation time (keyset pagination of time-ordered records). */
  timeUuid(nowMs: number): string;
  secret(bytes: number): Buffer;
}

// The random part of time-ordered ids comes from a 4 KB pool refilled in one call, as node:crypto's own
// randomUUID does: a batch import makes a thousand ids at once, and a randomBytes(10) call each cost more
// than the rest of the id. Ids only — secrets always come straight from randomBytes.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `n` fresh random bytes (n ≤ 4096), each handed out once; a new Buffer the caller may modify. */
function pooledRandom(n: number): Buffer {
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

export function uuidV7(nowMs: number, random: Buffer = pooledRandom(10)): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.floor(nowMs), 0, 6);
  random.copy(b, 6, 0, 10);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * UUIDv7 ids that are strictly increasing within this process (RFC 9562 §6.2, method 1): within one
 * millisecond — or if the clock steps back — the 12-bit rand_a field is a counter, so events recorded
 * in the same millisecond still list in order. Across nodes, order within a millisecond is arbitrary.
 */
export function monotonicUuidV7(): (nowMs: number) => string {
  let lastMs = -1;
  let seq = 0;
  return (nowMs) => {
    let ms = Math.floor(nowMs);
    if (ms > lastMs) {
      lastMs = ms;
      seq = 0;
    } else {
      ms = lastMs;
      seq++;
      if (seq > 0xfff) {
        lastMs = ms = lastMs + 1; // counter exhausted: borrow the next millisecond
        seq = 0;
      }
    }
    const random = pooledRandom(10);
    random[0] = (seq >> 8) & 0x0f;
    random[1] = seq & 0xff;
    return uuidV7(ms, random);
  };
}

export const systemIds: IdSource = {
  uuid: () => randomUUID(),
  timeUuid: monotonicUuidV7(),
  secret: (bytes) => randomBytes(bytes),
};

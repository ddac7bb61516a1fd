import { randomBytes, randomUUID } from 'node:crypto';

/** The only source of ids and random secrets. Tests may inject a deterministic one. */
export interface IdSource {
  uuid(): string;
  /** UUIDv7: sorts by creation time (keyset pagination of time-ordered records). */
  timeUuid(nowMs: number): string;
  secret(bytes: number): Buffer;
}

export function uuidV7(nowMs: number, random: Buffer = randomBytes(10)): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.floor(nowMs), 0, 6);
  random.copy(b, 6, 0, 10);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const systemIds: IdSource = {
  uuid: () => randomUUID(),
  timeUuid: (nowMs) => uuidV7(nowMs),
  secret: (bytes) => randomBytes(bytes),
};

import { randomBytes, randomUUID } from 'node:crypto';

/** The only source of ids and random secrets. Tests may inject a deterministic one. */
export interface IdSource {
  uuid(): string;
  secret(bytes: number): Buffer;
}

export const systemIds: IdSource = {
  uuid: () => randomUUID(),
  secret: (bytes) => randomBytes(bytes),
};

import { keyNotFound } from '../errors/app-error.js';

/** key_id path segments: UUIDs today; anything outside a conservative id alphabet is simply not found. */
export function pathKeyId(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw keyNotFound();
  return raw.toLowerCase();
}

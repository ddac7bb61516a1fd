/**
 * Generated keys for the import scenarios (batch-import, cli-import-1m): fresh random raw keys in a
 * shape no Keysmith verifier claims (not an issued key, a JWT or a macaroon: `legacy_sk_` + 48 hex
 * characters), with the fields a migration typically carries.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ImportKeyRequest } from '../../src/cli/api-types.js';
import { deriveRequestId } from '../../src/cli/import-item.js';

export const RAW_KEY_PREFIX = 'legacy_sk_';
const KEY_BYTES = 24;

/** `count` fresh raw keys (one randomBytes call for all of them). */
export function rawKeys(count: number): string[] {
  const bytes = randomBytes(count * KEY_BYTES);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = RAW_KEY_PREFIX + bytes.toString('hex', i * KEY_BYTES, (i + 1) * KEY_BYTES);
  return out;
}

/** One JSON Lines record as a migration file would have it (no request_id: the CLI derives it). */
export function lineItem(rawKey: string, n: number): ImportKeyRequest {
  return {
    raw_key: rawKey,
    name: `legacy-${n}`,
    actor_id: `customer-${n % 5000}`,
    scopes: ['read', 'write'],
    metadata: { origin: 'legacy', row: n },
  };
}

/** A batchCreate item exactly as `keysmith keys import` sends line `n` of a file (request_id derived from the line and key). */
export function batchItem(rawKey: string, n: number): ImportKeyRequest {
  return { ...lineItem(rawKey, n), request_id: deriveRequestId(rawKey, n) };
}

/**
 * The JSON bodies of `requests` batchCreate requests of `perRequest` fresh keys each, numbered from
 * `firstN` (names stay unique across rounds). Built before the timed window.
 */
export function batchBodies(requests: number, perRequest: number, firstN: number): string[] {
  const bodies: string[] = [];
  for (let r = 0; r < requests; r++) {
    const keys = rawKeys(perRequest);
    const base = firstN + r * perRequest;
    bodies.push(JSON.stringify({ requests: keys.map((k, i) => batchItem(k, base + i)) }));
  }
  return bodies;
}

export interface GeneratedFile {
  path: string;
  lines: number;
  bytes: number;
  /** A few raw keys of the file (first, middle, last) to verify after the import. */
  samples: { line: number; rawKey: string }[];
}

/**
 * Writes `lines` JSON Lines records to `path` as a stream, 10,000 lines per write: memory stays
 * flat whatever the count.
 */
export async function writeImportFile(path: string, lines: number): Promise<GeneratedFile> {
  const out = createWriteStream(path, { flags: 'w', mode: 0o600 });
  const wanted = new Set([1, Math.max(1, Math.ceil(lines / 2)), lines]);
  const samples: GeneratedFile['samples'] = [];
  let bytes = 0;
  const CHUNK = 10_000;
  try {
    for (let start = 1; start <= lines; start += CHUNK) {
      const count = Math.min(CHUNK, lines - start + 1);
      const keys = rawKeys(count);
      let text = '';
      for (let i = 0; i < count; i++) {
        const n = start + i;
        if (wanted.has(n)) samples.push({ line: n, rawKey: keys[i] });
        text += `${JSON.stringify(lineItem(keys[i], n))}\n`;
      }
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { path, lines, bytes, samples };
}

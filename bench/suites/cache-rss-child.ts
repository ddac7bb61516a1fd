/**
 * cache-rss-1m's measurement, in a process of its own so nothing else sits in its heap:
 *   node --expose-gc --import tsx bench/suites/cache-rss-child.ts <entries> [records|structure]
 * Fills the real KeyCache (max_entries = <entries>) with realistic key records — built by the store's own
 * rowToKey from rows shaped like the database's (fresh strings and parsed JSON per record, as a store read
 * gives them); one in five is an imported key, also indexed by its lookup hash. Prints one JSON line.
 * `structure`: each entry holds a stand-in with only a key_id instead of a record — what the cache's own
 * bookkeeping costs (LRU slots, entry wrappers, the "project|key_id" strings, the hash index).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { KeyCache } from '../../src/cache/key-cache.js';
import { systemClock } from '../../src/shared/clock.js';
import type { VerifiableKey } from '../../src/store/records.js';
import { type KeyRow, rowToKey } from '../../src/store/sql/key-rows.js';

const entries = Number(process.argv[2] ?? 1_000_000);
const structureOnly = process.argv[3] === 'structure';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const settle = () => {
  gc();
  gc();
};

const PROJECT = randomUUID();
/**
 * A UUID as a database driver returns it: a fresh flat string (≈ 70 bytes). Node's randomUUID() strings
 * each keep ≈ 490 bytes alive (measured: 1M of them = 490 MB of heap), which no store read produces.
 */
const dbUuid = () => Buffer.from(randomUUID(), 'latin1').toString('latin1');
const now = Date.now();
const cache = new KeyCache(entries, systemClock);
settle();
const before = process.memoryUsage();

const t0 = performance.now();
for (let i = 0; i < entries; i++) {
  const imported = i % 5 === 0;
  const row: KeyRow = {
    key_id: dbUuid(),
    kind: imported ? 'imported' : 'issued',
    name: `service key ${i}`,
    actor_id: `actor-${(i % 10_000).toString(36)}-${i}`,
    scopes: i % 2 ? '["keys:read","keys:write"]' : '["read"]',
    metadata: `{"team":"team-${i % 97}","env":"${i % 3 ? 'prod' : 'staging'}","tier":${i % 4}}`,
    status: 1,
    visibility: 1,
    token_prefix: imported ? null : 'ks_live',
    lookup_hash: imported ? randomBytes(32).toString('base64url') : null,
    created_at: now - i * 1000,
    updated_at: now - i * 1000,
    expires_at: i % 3 ? now + 90 * 86_400_000 : null,
    last_used_at: null,
    rate_limit_quota: i % 10 === 0 ? 1000 : null,
    rate_limit_window_ms: i % 10 === 0 ? 60_000 : null,
    rate_limit_unit: i % 10 === 0 ? 'requests' : null,
    allowed_cidrs: i % 10 === 1 ? '["10.0.0.0/8","2001:db8::/32"]' : null,
    revocation_reason: null,
    revocation_description: null,
    request_id: imported ? dbUuid() : null,
  };
  // Structure only: a stand-in with nothing but the key_id (empty lists and metadata are shared by the cache).
  const record: VerifiableKey = structureOnly
    ? {
        keyId: row.key_id,
        kind: 'issued',
        actorId: null,
        scopes: [],
        metadata: {},
        status: 'active',
        visibility: 'secret',
        lookupHash: null,
        expiresAt: null,
        rateLimit: null,
        allowedCidrs: [],
      }
    : rowToKey(row);
  cache.set(PROJECT, record, 3_600_000, row.lookup_hash ?? undefined);
}
const fillSeconds = (performance.now() - t0) / 1000;
settle();
const after = process.memoryUsage();
if (cache.size !== entries) throw new Error(`the cache holds ${cache.size} entries, not ${entries}`);
process.stdout.write(
  `${JSON.stringify({ entries: cache.size, fillSeconds, rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heapUsed, heapAfter: after.heapUsed, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
);

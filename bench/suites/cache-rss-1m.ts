import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../lib/paths.js';
import { fmt } from '../lib/stats.js';
import type { Suite } from './types.js';

/** Issue 6: a node holding 1,000,000 cached key records stays ≤ 1 GB RSS. */
const TARGET_BYTES = 1e9;
const MILLION = 1_000_000;
const NAME = 'cache-rss-1m';
const TARGET_NAME = 'RSS of a process holding 1,000,000 cached key records (the real KeyCache) ≤ 1 GB';

interface ChildResult {
  entries: number;
  fillSeconds: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  peakRss: number;
}

/** One child process (bench/suites/cache-rss-child.ts): `records` = realistic records, `structure` = the cache's bookkeeping only. */
async function measure(entries: number, mode: 'records' | 'structure'): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', join(REPO_ROOT, 'bench/suites/cache-rss-child.ts'), String(entries), mode],
    { cwd: REPO_ROOT, timeout: 600_000, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildResult;
}

const mb = (bytes: number) => fmt(bytes / 1e6, 1);

export const cacheRss1m: Suite = {
  name: NAME,
  about:
    "a child process fills the real KeyCache (src/cache/key-cache.ts, max_entries = 1,000,000) with realistic key records built by the store's rowToKey (one in five imported, also in the hash index); RSS and heap after GC, and the same with a one-field stand-in per entry (the cache's own bookkeeping). BENCH_CACHE_ENTRIES scales it down while developing",
  async run(env) {
    const entries = Number(process.env.BENCH_CACHE_ENTRIES ?? MILLION);
    if (!Number.isInteger(entries) || entries < 1) throw new Error('BENCH_CACHE_ENTRIES must be a positive integer');
    env.log(`  ${entries.toLocaleString('en-US')} entries: realistic records, then the structure alone`);
    const full = await measure(entries, 'records');
    env.log(`  records: RSS ${mb(full.rssAfter)} MB (fill ${fmt(full.fillSeconds, 1)} s)`);
    const bare = await measure(entries, 'structure');
    env.log(`  structure: RSS ${mb(bare.rssAfter)} MB`);
    const perEntry = (r: ChildResult, f: 'rss' | 'heap') => (f === 'rss' ? r.rssAfter - r.rssBefore : r.heapAfter - r.heapBefore) / r.entries;
    const scaled = entries !== MILLION;
    const row = (label: string, r: ChildResult) =>
      `| ${label} | ${mb(r.rssBefore)} | ${mb(r.rssAfter)} | ${mb(r.peakRss)} | ${fmt(perEntry(r, 'rss'), 0)} | ${mb(r.heapAfter)} | ${fmt(perEntry(r, 'heap'), 0)} | ${fmt(r.fillSeconds, 1)} |`;
    return {
      targets: [
        {
          name: TARGET_NAME,
          figure: `${mb(full.rssAfter)} MB RSS (${fmt(perEntry(full, 'rss'), 0)} bytes per entry over the empty process; the cache's bookkeeping alone ${fmt(perEntry(bare, 'rss'), 0)})${scaled ? ` — **scaled run: ${entries.toLocaleString('en-US')} entries, not judged**` : ''}`,
          pass: scaled ? null : full.rssAfter <= TARGET_BYTES,
        },
      ],
      markdown: [
        `## Memory of the verify cache (\`${NAME}\`)`,
        '',
        `A child process (\`node --expose-gc\`, nothing else loaded but the cache's modules) builds \`new KeyCache(${entries.toLocaleString('en-US')}, clock)\` and fills it with that many`,
        "records made by the store's own `rowToKey` from database-shaped rows (fresh strings and parsed JSON per record: a key id, name, actor, 1–2 scopes, 3 metadata fields,",
        'expiry on two in three, a rate-limit policy on one in ten, two CIDRs on one in ten; one in five is an imported key, also indexed by its lookup hash), TTL 1 h.',
        'Figures after two full GCs; "before" = the empty cache in the same process. The second row holds a one-field stand-in `{ keyId }` per entry instead of a record:',
        "what the cache's bookkeeping costs (LRU slots, entry wrappers, the `project|key_id` strings, the hash index); the difference is the records themselves.",
        '',
        '| Case | RSS before MB | RSS after MB | peak RSS MB | RSS bytes/entry | heap used after MB | heap bytes/entry | fill s |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        row('realistic records', full),
        row('bookkeeping only (stand-in per entry)', bare),
        '',
      ],
    };
  },
};

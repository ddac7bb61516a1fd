import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { BloomFilter, type Fingerprint, fingerprintOf } from './bloom-filter.js';

/** The one store read the filter needs (KeyReader.scanLookupHashes, bound to the project). */
export interface HashScanner {
  scanLookupHashes(afterHash: string | null, limit: number): Promise<string[]>;
}

interface ProjectFilter {
  /** Ready filter; may be over capacity while its replacement is built (never a false negative). */
  filter: BloomFilter | null;
  /** Entries in `filter` (the scan plus later adds): a rebuild starts past its capacity. */
  entries: number;
  /** When the scan of the installed filter started: rebuilt after MAX_AGE_MS (see there). */
  builtAt: number;
  building: boolean;
  /** Hashes added while a build runs: applied to the new filter when it is installed. */
  pending: string[];
  /** No build before this time (after a failure, or while the project is too big for the budget). */
  retryAt: number;
  /** Recent misses by exact tenant hash → expiry: repeated false positives cost one query per TTL. */
  misses: Map<string, number>;
}

const FPR = 0.01;
const PAGE = 10_000;
const MAX_PROJECTS = 10_000;
const MAX_MISSES = 1024;
const MISS_TTL_MS = 30_000;
const RETRY_MS = 1000;
const TOO_BIG_RETRY_MS = 600_000;
/**
 * Push keeps a filter exact; this only bounds the damage of a message that was never delivered (a
 * publisher cut off for longer than its 10 s of retries while the other nodes kept listening): after
 * 10 minutes the next verify rebuilds the filter in the background, the old one answering meanwhile.
 */
const MAX_AGE_MS = 600_000;

/**
 * Negative caching of imported keys (ADR 0009): per project, a Bloom filter of every lookup hash, so
 * a string that is no imported key of the project is NOT_FOUND without a query — a flood of distinct
 * random strings costs ~1 % of its size in queries (the false positives), plus the build.
 *
 * Built lazily by a keyset scan on the first imported-key verify of a project; until it is ready,
 * lookups go to the store as before. Kept exact by push: every import adds its hashes here before the
 * importer's response (`add`, locally and from the bus on every other node), and a bus reset drops
 * everything (`clear`). Only used where the bus pushes (never with the MySQL-without-Redis NoBus).
 * Memory: ~1.3 MB per million imported keys; the total over projects is capped (LRU by project).
 */
export class ImportedHashFilters {
  private readonly projects = new Map<string, ProjectFilter>(); // insertion order = least recently used first
  private bytes = 0;
  /** Bumped by `clear`: a build that started before a reset is thrown away. */
  private generation = 0;
  /** Bumped by every add and clear: a miss observed across one is not remembered. */
  private epoch = 0;
  private readonly warned = new Set<string>();

  constructor(
    private readonly maxBytes: number,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  /** True = certainly no lookup hash of this project (answer NOT_FOUND, no query); false = ask the store. */
  absent(projectId: string, hashes: readonly string[], scanner: HashScanner): boolean {
    if (this.maxBytes <= 0) return false;
    const s = this.touch(projectId);
    const miss = s.misses.get(hashes[0]);
    if (miss !== undefined) {
      if (miss > this.clock.now()) return true;
      s.misses.delete(hashes[0]);
    }
    if (!s.filter || s.entries > s.filter.capacity || this.clock.now() - s.builtAt > MAX_AGE_MS) this.build(projectId, s, scanner);
    if (!s.filter) return false;
    for (const h of hashes) if (s.filter.has(fingerprintOf(h))) return false;
    return true;
  }

  /** Taken before a store lookup; `noteMiss` ignores the miss if an import or reset happened since. */
  ticket(): number {
    return this.epoch;
  }

  noteMiss(projectId: string, hash: string, ticket: number): void {
    if (this.maxBytes <= 0 || ticket !== this.epoch) return;
    const s = this.touch(projectId);
    s.misses.delete(hash);
    s.misses.set(hash, this.clock.now() + MISS_TTL_MS);
    if (s.misses.size > MAX_MISSES) s.misses.delete(s.misses.keys().next().value as string);
  }

  /** Hashes imported into the project (here or on another node): they must be found from now on. */
  add(projectId: string, hashes: readonly string[]): void {
    this.epoch++;
    const s = this.projects.get(projectId);
    if (!s) return; // no filter yet: the build's scan will read them from the store
    s.misses.clear();
    if (s.building) s.pending.push(...hashes);
    if (s.filter) for (const h of hashes) if (s.filter.add(fingerprintOf(h))) s.entries++;
  }

  /** The bus lost messages (or a project changed wholesale): forget every filter, rebuild lazily. */
  clear(): void {
    this.generation++;
    this.epoch++;
    this.projects.clear();
    this.bytes = 0;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private touch(projectId: string): ProjectFilter {
    let s = this.projects.get(projectId);
    if (s) this.projects.delete(projectId);
    else s = { filter: null, entries: 0, builtAt: 0, building: false, pending: [], retryAt: 0, misses: new Map() };
    this.projects.set(projectId, s);
    if (this.projects.size > MAX_PROJECTS) this.evictOldest(s);
    return s;
  }

  private evictOldest(keep: ProjectFilter): boolean {
    for (const [id, s] of this.projects) {
      if (s === keep) continue;
      this.projects.delete(id);
      this.bytes -= s.filter?.bytes ?? 0;
      return true;
    }
    return false;
  }

  private build(projectId: string, s: ProjectFilter, scanner: HashScanner): void {
    if (s.building || this.clock.now() < s.retryAt) return;
    s.building = true;
    s.pending = [];
    const generation = this.generation;
    const startedAt = this.clock.now();
    const current = () => generation === this.generation && this.projects.get(projectId) === s;
    void this.scan(scanner, current)
      .then((fps) => {
        if (!fps || !current()) return;
        this.install(projectId, s, fps, startedAt);
      })
      .catch((e) => {
        s.retryAt = this.clock.now() + RETRY_MS;
        this.logger?.warn({ err: { name: (e as Error).name } }, 'imported-key filter build failed; lookups go to the store');
      })
      .finally(() => {
        s.building = false;
        s.pending = [];
      });
  }

  /** Fingerprints of every lookup hash of the project, packed (8 bytes per hash), or null if reset meanwhile. */
  private async scan(scanner: HashScanner, current: () => boolean): Promise<Uint32Array | null> {
    let out = new Uint32Array(2 * 1024);
    let n = 0;
    let after: string | null = null;
    for (;;) {
      const page = await scanner.scanLookupHashes(after, PAGE);
      if (!current()) return null;
      for (const h of page) {
        if (n + 2 > out.length) {
          const grown = new Uint32Array(out.length * 2);
          grown.set(out);
          out = grown;
        }
        const fp = fingerprintOf(h);
        out[n++] = fp.h1;
        out[n++] = fp.h2;
      }
      if (page.length < PAGE) return out.subarray(0, n);
      after = page[page.length - 1];
    }
  }

  private install(projectId: string, s: ProjectFilter, fps: Uint32Array, startedAt: number): void {
    // Headroom for imports after the build (10 % + 1024); past it, the next verify rebuilds.
    const filter = new BloomFilter(Math.ceil((fps.length / 2) * 1.1) + 1024, FPR);
    const old = s.filter?.bytes ?? 0;
    if (filter.bytes > this.maxBytes) {
      s.retryAt = this.clock.now() + TOO_BIG_RETRY_MS;
      if (!this.warned.has(projectId)) {
        this.warned.add(projectId);
        this.logger?.warn({ bytes: filter.bytes }, 'imported-key filter exceeds cache.filter_max_bytes; unknown imported keys cost a query');
      }
      return;
    }
    while (this.bytes - old + filter.bytes > this.maxBytes && this.evictOldest(s));
    let entries = 0;
    const fp: Fingerprint = { h1: 0, h2: 0 };
    for (let i = 0; i < fps.length; i += 2) {
      fp.h1 = fps[i];
      fp.h2 = fps[i + 1];
      if (filter.add(fp)) entries++;
    }
    for (const h of s.pending) if (filter.add(fingerprintOf(h))) entries++;
    this.bytes += filter.bytes - old;
    s.filter = filter;
    s.entries = entries;
    s.builtAt = startedAt;
  }
}

import { AppError, keyNotFound } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { KeyStore } from '../store/ports.js';
import type { KeyRecord } from '../store/records.js';
import { importedKeyHash, legacyKeyHash } from '../verify/imported-hash.js';
import type { ImportInput } from './import-input.js';
import { type KeyChangeListener, KeyLifecycle } from './key-lifecycle.js';

export interface ImportResult {
  key: KeyRecord;
  /** true when the request_id had been used before: the existing key, nothing new. */
  replayed: boolean;
}

/**
 * Called once new imported keys are stored, before the importer gets the answer: the negative cache
 * (ADR 0009) of this node and, through the bus, of every other node must know their hashes by then.
 */
export type KeysImportedListener = (projectId: string, lookupHashes: string[]) => Promise<void>;

const alreadyExists = () => new AppError('API_KEY_EXISTS', 'This key is already imported in this project.');

/**
 * Imported keys: keys minted by another system, stored only as a hash. `key_id` is a server-made
 * UUIDv7 — unlike Talos (whose key_id *is* the hash) it reveals nothing about the raw key, so listing
 * keys is no offline-guessing oracle. The lookup hash is SHA-512/256(project ‖ 0x00 ‖ raw key), or, for keys
 * imported from a SHA-256 digest, that digest until the key's first successful verification.
 */
export class ImportedKeyService extends KeyLifecycle {
  constructor(
    clock: Clock,
    ids: IdSource,
    onChange?: KeyChangeListener,
    private readonly onImported: KeysImportedListener = async () => {},
  ) {
    super('imported', clock, ids, onChange);
  }

  /** Newly stored records (not replays): announce their lookup hashes. */
  async imported(ctx: ProjectContext, records: readonly KeyRecord[]): Promise<void> {
    const hashes = records.map((r) => r.lookupHash as string);
    if (hashes.length) await this.onImported(ctx.id, hashes);
  }

  /** The record an input becomes (not yet stored). */
  toRecord(ctx: ProjectContext, input: ImportInput, now: number): KeyRecord {
    // Time-ordered (UUIDv7): bulk imports append to the primary-key and list indexes instead of
    // writing all over them (half the insert cost on SQLite), and lists come out newest first.
    return this.newRecord(this.ids.timeUuid(now), now, input, {
      tokenPrefix: null,
      lookupHash: input.rawKey !== undefined ? importedKeyHash(ctx.id, input.rawKey) : (input.sha256 as string),
    });
  }

  /** The hashes under which this input may already exist: its own, and for a raw key its legacy digest. */
  static hashesOf(record: KeyRecord, input: ImportInput): string[] {
    return input.rawKey !== undefined ? [record.lookupHash as string, legacyKeyHash(input.rawKey)] : [record.lookupHash as string];
  }

  async importOne(ctx: ProjectContext, store: KeyStore, input: ImportInput): Promise<ImportResult> {
    if (input.requestId) {
      const existing = await store.getByRequestId('imported', input.requestId);
      if (existing) return { key: existing, replayed: true };
    }
    const record = this.toRecord(ctx, input, this.clock.now());
    if ((await store.findExisting('imported', ImportedKeyService.hashesOf(record, input), [])).length) throw alreadyExists();
    if (input.rawKey === undefined) await store.markLegacyDigests();
    const winner = await this.insertNew(ctx, store, record, alreadyExists);
    if (winner) return { key: winner, replayed: true };
    await this.imported(ctx, [record]);
    return { key: record, replayed: false };
  }

  /** Hard delete (imported keys only, like Talos); frees the quota slot. */
  async delete(ctx: ProjectContext, store: KeyStore, keyId: string): Promise<void> {
    if (!(await store.delete('imported', keyId))) throw keyNotFound();
    this.onChange(ctx.id, keyId);
  }
}

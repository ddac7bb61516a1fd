import { AppError, isAppError } from '../errors/app-error.js';
import type { ErrorReason } from '../errors/catalogue.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { KeyStore } from '../store/ports.js';
import type { KeyRecord } from '../store/records.js';
import { QuotaExceeded } from '../store/store-errors.js';
import type { ImportInput } from './import-input.js';
import { ImportedKeyService } from './imported-key-service.js';

export type BatchErrorCode = 'INVALID_ARGUMENT' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION' | 'INTERNAL' | 'RESOURCE_EXHAUSTED';

export type BatchItemResult = { index: number; key: KeyRecord; replayed: boolean } | { index: number; code: BatchErrorCode; message: string };

export const MAX_BATCH = 1000;

/** The per-item code of an error (AIP-231 batch semantics). */
export function batchCodeOf(e: unknown): BatchErrorCode {
  if (e instanceof QuotaExceeded) return 'RESOURCE_EXHAUSTED';
  if (!isAppError(e)) return 'INTERNAL';
  const map: Partial<Record<ErrorReason, BatchErrorCode>> = {
    API_KEY_EXISTS: 'ALREADY_EXISTS',
    ISSUED_KEY_FORMAT: 'FAILED_PRECONDITION',
    DERIVED_TOKEN_FORMAT: 'FAILED_PRECONDITION',
    API_KEY_QUOTA_EXCEEDED: 'RESOURCE_EXHAUSTED',
  };
  return map[e.reason] ?? (e.httpStatus === 400 ? 'INVALID_ARGUMENT' : 'INTERNAL');
}

const fail = (index: number, code: BatchErrorCode, message: string): BatchItemResult => ({ index, code, message });

/**
 * Imports up to 1000 keys with per-item results, in a constant number of round trips. The unique
 * indexes are the existence check: new keys go straight into one transaction that skips any that
 * collide (insertMany), so a batch of new keys is one probe (for legacy digests) and one transaction.
 * Only the items that did not go in are looked up afterwards, to tell a replay from a duplicate from
 * an item over quota; a batch sent again (its first request id stored) is looked up first instead.
 * Order decides who gets the last quota slots and which of two in-batch duplicates wins.
 */
export async function importBatch(
  service: ImportedKeyService,
  ctx: ProjectContext,
  store: KeyStore,
  items: (ImportInput | AppError)[],
  now: number,
): Promise<BatchItemResult[]> {
  const results: (BatchItemResult | undefined)[] = new Array(items.length);
  const candidates: Candidate[] = [];
  const seenHash = new Map<string, number>();
  const seenRequest = new Map<string, number>();

  for (const [index, item] of items.entries()) {
    if (item instanceof AppError) {
      results[index] = fail(index, batchCodeOf(item), item.message);
      continue;
    }
    const record = service.toRecord(ctx, item, now);
    const hashes = ImportedKeyService.hashesOf(record, item);
    const dupOf = hashes.map((h) => seenHash.get(h)).find((i) => i !== undefined) ?? (item.requestId ? seenRequest.get(item.requestId) : undefined);
    if (dupOf !== undefined) {
      results[index] = fail(index, 'ALREADY_EXISTS', `Duplicate of the item at index ${dupOf} in this batch.`);
      continue;
    }
    for (const h of hashes) seenHash.set(h, index);
    if (item.requestId) seenRequest.set(item.requestId, index);
    candidates.push({ index, input: item, record, hashes });
  }

  // A resumed import re-sends batches that went in before, every item a replay; trying each insert
  // first would cost a failed insert per item. One point lookup of the first request id tells such a
  // batch apart, and its items are then answered from the store before anything is inserted.
  const pending = (await looksResent(store, candidates)) ? await answerFromStore(store, candidates, results) : candidates;

  // A raw key may already be stored under its legacy digest: no unique index can see that, so in a
  // project that may hold digests those are probed first, and an item that hits one is resolved below
  // instead of inserted. The marker is set before any digest goes in and read fresh here (unless this batch just set it).
  const byDigest = pending.some((c) => c.input.rawKey === undefined);
  if (byDigest) await store.markLegacyDigests();
  const probe = pending.some((c) => c.input.rawKey !== undefined) && (byDigest || (await store.mayHoldLegacyDigests()));
  const digests = probe ? pending.flatMap((c) => c.hashes.filter((h) => h !== c.record.lookupHash)) : [];
  const stored = new Set(digests.length ? (await store.findExisting('imported', digests, [])).map((k) => k.lookupHash) : []);
  const held: Candidate[] = [];
  const toInsert: Candidate[] = [];
  for (const c of pending) (c.hashes.some((h) => stored.has(h)) ? held : toInsert).push(c);

  const outcomes = toInsert.length
    ? await store.insertMany(
        toInsert.map((c) => c.record),
        ctx.maxActiveKeys,
      )
    : [];
  const inserted = toInsert.filter((_, i) => outcomes[i] === 'inserted');
  for (const c of inserted) results[c.index] = { index: c.index, key: c.record, replayed: false };
  if (inserted.length)
    await service.imported(
      ctx,
      inserted.map((c) => c.record),
    );

  const overQuota = new Set(toInsert.filter((_, i) => outcomes[i] === 'over-quota'));
  const unresolved = [...held, ...toInsert.filter((_, i) => outcomes[i] !== 'inserted')];
  await resolveNotInserted(service, ctx, store, unresolved, overQuota, results);
  return results as BatchItemResult[];
}

type Candidate = { index: number; input: ImportInput; record: KeyRecord; hashes: string[] };

/** Whether the batch's first request id is stored already: the batch is then most likely being sent again. */
async function looksResent(store: KeyStore, items: Candidate[]): Promise<boolean> {
  const first = items.find((c) => c.input.requestId)?.input.requestId;
  return first !== undefined && (await store.findExisting('imported', [], [first])).length > 0;
}

/**
 * Answers the items the store already holds — an earlier import with the item's request id (a replay,
 * answered with that key), else a stored key with one of its hashes (ALREADY_EXISTS) — in one query,
 * and returns the others.
 */
async function answerFromStore(store: KeyStore, items: Candidate[], results: (BatchItemResult | undefined)[]): Promise<Candidate[]> {
  if (!items.length) return [];
  const existing = await store.findExisting(
    'imported',
    items.flatMap((c) => c.hashes),
    items.flatMap((c) => (c.input.requestId ? [c.input.requestId] : [])),
  );
  const byRequest = new Map(existing.filter((k) => k.requestId).map((k) => [k.requestId as string, k]));
  const byHash = new Set(existing.map((k) => k.lookupHash));
  const rest: Candidate[] = [];
  for (const c of items) {
    const replay = c.input.requestId ? byRequest.get(c.input.requestId) : undefined;
    if (replay) results[c.index] = { index: c.index, key: replay, replayed: true };
    else if (c.hashes.some((h) => byHash.has(h))) results[c.index] = fail(c.index, 'ALREADY_EXISTS', 'This key is already imported in this project.');
    else rest.push(c);
  }
  return rest;
}

/**
 * Why an item was not inserted: what the store holds (answerFromStore), else no free quota slot
 * (RESOURCE_EXHAUSTED). An item whose conflict is gone by now (the colliding key was deleted
 * meanwhile) is imported on its own.
 */
async function resolveNotInserted(
  service: ImportedKeyService,
  ctx: ProjectContext,
  store: KeyStore,
  items: Candidate[],
  overQuota: Set<Candidate>,
  results: (BatchItemResult | undefined)[],
): Promise<void> {
  for (const c of await answerFromStore(store, items, results)) {
    if (overQuota.has(c)) results[c.index] = fail(c.index, 'RESOURCE_EXHAUSTED', `The project's plan allows ${ctx.maxActiveKeys} active API keys.`);
    else {
      try {
        const r = await service.importOne(ctx, store, c.input);
        results[c.index] = { index: c.index, key: r.key, replayed: r.replayed };
      } catch (err) {
        if (!isAppError(err)) throw err;
        results[c.index] = fail(c.index, batchCodeOf(err), err.message);
      }
    }
  }
}

/** When every item failed: the dominant (most frequent) code as one API error (Talos semantics). */
export function dominantError(results: BatchItemResult[], ctx: ProjectContext, activeKeys: number): AppError {
  const counts = new Map<BatchErrorCode, number>();
  for (const r of results) if ('code' in r) counts.set(r.code, (counts.get(r.code) ?? 0) + 1);
  const [code] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['INTERNAL'];
  switch (code) {
    case 'ALREADY_EXISTS':
      return new AppError('API_KEY_EXISTS', 'Every key in the batch already exists (or is duplicated within it).');
    case 'INVALID_ARGUMENT':
      return new AppError('INVALID_ARGUMENT', `Every item of the batch is invalid; first: ${firstMessage(results, code)}`);
    case 'FAILED_PRECONDITION':
      return new AppError('FAILED_PRECONDITION', `No item of the batch can be imported; first: ${firstMessage(results, code)}`);
    case 'RESOURCE_EXHAUSTED':
      return new AppError('API_KEY_QUOTA_EXCEEDED', `The project's plan allows ${ctx.maxActiveKeys} active API keys.`, {
        limit: String(ctx.maxActiveKeys),
        current_usage: String(activeKeys),
      });
    default:
      return new AppError('INTERNAL', 'The batch import failed.');
  }
}

const firstMessage = (results: BatchItemResult[], code: BatchErrorCode) =>
  (results.find((r) => 'code' in r && r.code === code) as { message: string } | undefined)?.message ?? '';

import { type CompiledQuery, sql } from 'kysely';
import type { InsertOutcome, KeyStore } from '../ports.js';
import type { KeyKind, KeyPatch, KeyRecord, ListQuery, Revocation } from '../records.js';
import { QuotaExceeded } from '../store-errors.js';
import { type SqlDialect, translated } from './dialects/dialect.js';
import { KEY_COLUMNS, type KeyRow, keyToRow, reasonToNumber, rowToKey, STATUS_ACTIVE, STATUS_REVOKED } from './key-rows.js';

/**
 * Hot-path lookup compiled once per dialect; only the parameters change per call, and the dialect
 * runs it through a cached prepared statement.
 */
export interface HotQueries {
  /**
   * Single-row insert skipped on any unique conflict; parameters in the order of `keyToRow`'s keys. In
   * process only (null elsewhere): run with `fastRun`, 1 row changed or 0.
   */
  insertOneIfNew: CompiledQuery | null;
  byId: CompiledQuery;
  byLookupHash: CompiledQuery;
  byAnyLookupHash: CompiledQuery;
}

export function compileHotQueries(dialect: SqlDialect): HotQueries {
  const base = () => dialect.db.selectFrom('api_keys').select(KEY_COLUMNS).where('project_id', '=', '?');
  const template = keyToRow('?', {
    keyId: '?',
    kind: 'issued',
    name: '',
    actorId: null,
    scopes: [],
    metadata: {},
    status: 'active',
    visibility: 'secret',
    tokenPrefix: null,
    lookupHash: null,
    createdAt: 0,
    updatedAt: 0,
    expiresAt: null,
    lastUsedAt: null,
    rateLimit: null,
    allowedCidrs: [],
    revocationReason: null,
    revocationDescription: null,
    requestId: null,
  });
  return {
    insertOneIfNew: dialect.capabilities.inProcess
      ? dialect.db
          .insertInto('api_keys')
          .values(template)
          .onConflict((oc) => oc.doNothing())
          .compile()
      : null,
    byId: base().where('key_id', '=', '?').compile(),
    byLookupHash: base().where('lookup_hash', '=', '?').compile(),
    byAnyLookupHash: base().where('lookup_hash', 'in', ['?', '?']).compile(),
  };
}

/** Key storage bound to one project: every statement carries `project_id = ?` by construction. */
export class SqlKeyStore implements KeyStore {
  constructor(
    private readonly dialect: SqlDialect,
    private readonly projectId: string,
    private readonly hot: HotQueries,
  ) {}

  private get db() {
    return this.dialect.db;
  }

  private run<T>(fn: () => Promise<T>): Promise<T> {
    return translated(this.dialect, fn);
  }

  async getById(keyId: string): Promise<KeyRecord | undefined> {
    const rows = await this.dialect.fastQuery<KeyRow>({ ...this.hot.byId, parameters: [this.projectId, keyId] });
    return rows[0] ? rowToKey(rows[0]) : undefined;
  }

  async getByLookupHash(lookupHash: string): Promise<KeyRecord | undefined> {
    const rows = await this.dialect.fastQuery<KeyRow>({ ...this.hot.byLookupHash, parameters: [this.projectId, lookupHash] });
    return rows[0] ? rowToKey(rows[0]) : undefined;
  }

  async getByAnyLookupHash(hashes: readonly [string, string]): Promise<KeyRecord | undefined> {
    const rows = await this.dialect.fastQuery<KeyRow>({ ...this.hot.byAnyLookupHash, parameters: [this.projectId, hashes[0], hashes[1]] });
    if (!rows.length) return undefined;
    const row = rows.length > 1 ? (rows.find((r) => r.lookup_hash === hashes[0]) ?? rows[0]) : rows[0];
    return rowToKey(row);
  }

  getManyByIds(keyIds: readonly string[]): Promise<KeyRecord[]> {
    if (!keyIds.length) return Promise.resolve([]);
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('api_keys')
        .select(KEY_COLUMNS)
        .where('project_id', '=', this.projectId)
        .where('key_id', 'in', [...keyIds])
        .execute();
      return rows.map(rowToKey);
    });
  }

  getManyByLookupHashes(hashes: readonly string[]): Promise<KeyRecord[]> {
    if (!hashes.length) return Promise.resolve([]);
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('api_keys')
        .select(KEY_COLUMNS)
        .where('project_id', '=', this.projectId)
        .where('lookup_hash', 'in', [...hashes])
        .execute();
      return rows.map(rowToKey);
    });
  }

  scanLookupHashes(afterHash: string | null, limit: number): Promise<string[]> {
    return this.run(async () => {
      // `> ''` also skips the NULL hashes of issued keys; hex hashes sort the same in every collation.
      const rows = await this.db
        .selectFrom('api_keys')
        .select('lookup_hash')
        .where('project_id', '=', this.projectId)
        .where('lookup_hash', '>', afterHash ?? '')
        .orderBy('lookup_hash', 'asc')
        .limit(Math.max(1, Math.min(limit, 10_000)))
        .execute();
      return rows.map((r) => r.lookup_hash as string);
    });
  }

  touchLastUsed(uses: readonly { keyId: string; at: number }[]): Promise<void> {
    if (!uses.length) return Promise.resolve();
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        for (const u of uses)
          await trx
            .updateTable('api_keys')
            .set({ last_used_at: u.at })
            .where('project_id', '=', this.projectId)
            .where('key_id', '=', u.keyId)
            .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)]))
            .execute();
      }),
    );
  }

  upgradeLookupHash(keyId: string, from: string, to: string): Promise<void> {
    return this.run(async () => {
      await this.db
        .updateTable('api_keys')
        .set({ lookup_hash: to })
        .where('project_id', '=', this.projectId)
        .where('key_id', '=', keyId)
        .where('lookup_hash', '=', from)
        .execute();
    });
  }

  mayHoldLegacyDigests(): Promise<boolean> {
    return this.run(async () => {
      const row = await this.db.selectFrom('project_usage').select('legacy_digests').where('project_id', '=', this.projectId).executeTakeFirst();
      // No counter row: nothing is known about the project's keys, so assume it may.
      return !row || Number(row.legacy_digests) !== 0;
    });
  }

  markLegacyDigests(): Promise<void> {
    return this.run(async () => {
      await this.db.updateTable('project_usage').set({ legacy_digests: 1 }).where('project_id', '=', this.projectId).where('legacy_digests', '=', 0).execute();
    });
  }

  findExisting(kind: KeyKind, lookupHashes: string[], requestIds: string[]): Promise<KeyRecord[]> {
    return this.run(async () => {
      const out: KeyRecord[] = [];
      // Chunks keep every statement far below each database's bound-parameter limit.
      for (let i = 0; i < lookupHashes.length; i += 500) {
        const rows = await this.db
          .selectFrom('api_keys')
          .select(KEY_COLUMNS)
          .where('project_id', '=', this.projectId)
          .where('lookup_hash', 'in', lookupHashes.slice(i, i + 500))
          .execute();
        out.push(...rows.map(rowToKey));
      }
      for (let i = 0; i < requestIds.length; i += 500) {
        const rows = await this.db
          .selectFrom('api_keys')
          .select(KEY_COLUMNS)
          .where('project_id', '=', this.projectId)
          .where('kind', '=', kind)
          .where('request_id', 'in', requestIds.slice(i, i + 500))
          .execute();
        out.push(...rows.map(rowToKey));
      }
      return out;
    });
  }

  async insertMany(records: KeyRecord[], maxActive: number | null): Promise<InsertOutcome[]> {
    const outcomes = await this.insertManyInTransaction(records, maxActive);
    let inserted = 0;
    for (const o of outcomes) if (o === 'inserted') inserted++;
    if (inserted) this.dialect.afterBulkInsert?.(inserted);
    return outcomes;
  }

  private insertManyInTransaction(records: KeyRecord[], maxActive: number | null): Promise<InsertOutcome[]> {
    const outcomes = new Array<InsertOutcome>(records.length).fill('over-quota');
    if (!records.length) return Promise.resolve(outcomes);
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // Lock the counter row (SQLite: the transaction's write lock serialises writers instead).
        let q = trx.selectFrom('project_usage').select('active_keys').where('project_id', '=', this.projectId);
        if (this.dialect.capabilities.lockForUpdate) q = q.forUpdate();
        const row = await q.executeTakeFirst();
        const current = row ? Number(row.active_keys) : await this.countActive(trx);
        const slots = maxActive == null ? records.length : Math.max(0, maxActive - current);
        // Conflicts take no slot, so the records go in chunks no larger than the slots still free.
        let inserted = 0;
        for (let next = 0; next < records.length && inserted < slots; ) {
          const chunk = records.slice(next, next + Math.min(this.dialect.capabilities.inProcess ? records.length : 200, slots - inserted));
          const ids = await this.insertIfNew(trx, chunk);
          for (const [i, r] of chunk.entries()) outcomes[next + i] = ids.has(r.keyId) ? 'inserted' : 'conflict';
          inserted += ids.size;
          next += chunk.length;
        }
        if (inserted === 0) return outcomes;
        if (row)
          await trx
            .updateTable('project_usage')
            .set({ active_keys: current + inserted })
            .where('project_id', '=', this.projectId)
            .execute();
        else await this.repairCounter(trx, current + inserted);
        return outcomes;
      }),
    );
  }

  /** Inserts the records that collide with no stored key; returns the key ids it inserted. */
  private async insertIfNew(trx: SqlDialect['db'], records: KeyRecord[]): Promise<Set<string>> {
    const rows = records.map((r) => keyToRow(this.projectId, r));
    if (this.hot.insertOneIfNew) {
      // One cached prepared statement per row, on the transaction's (only) connection. Its change count
      // tells whether it inserted: RETURNING would cost ~9 ms more per 1000 rows in SQLite.
      const ids = new Set<string>();
      for (const row of rows) if ((await this.dialect.fastRun({ ...this.hot.insertOneIfNew, parameters: Object.values(row) })) === 1) ids.add(row.key_id);
      return ids;
    }
    // 22 columns per row: at most 200 rows per statement stays under PostgreSQL's and MySQL's parameter limits.
    if (this.dialect.capabilities.returning) {
      const done = await trx
        .insertInto('api_keys')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .returning('key_id')
        .execute();
      return new Set(done.map((d) => d.key_id));
    }
    // No RETURNING (MySQL): a no-op update on a duplicate, then which of the key ids are ours. The id
    // alone would not tell: a stored row could have the same id, so its lookup hash must match too.
    await trx
      .insertInto('api_keys')
      .values(rows)
      .onDuplicateKeyUpdate({ key_id: sql.ref('key_id') })
      .execute();
    const stored = await trx
      .selectFrom('api_keys')
      .select(['key_id', 'lookup_hash'])
      .where('project_id', '=', this.projectId)
      .where(
        'key_id',
        'in',
        rows.map((r) => r.key_id),
      )
      .execute();
    const hashOf = new Map(rows.map((r) => [r.key_id, r.lookup_hash]));
    return new Set(stored.filter((s) => hashOf.get(s.key_id) === s.lookup_hash).map((s) => s.key_id));
  }

  delete(kind: KeyKind, keyId: string): Promise<boolean> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // Locked, so a concurrent revoke cannot make both of us decrement the counter.
        let q = trx.selectFrom('api_keys').select('status').where('project_id', '=', this.projectId).where('kind', '=', kind).where('key_id', '=', keyId);
        if (this.dialect.capabilities.lockForUpdate) q = q.forUpdate();
        const key = await q.executeTakeFirst();
        if (!key) return false;
        const res = await trx
          .deleteFrom('api_keys')
          .where('project_id', '=', this.projectId)
          .where('kind', '=', kind)
          .where('key_id', '=', keyId)
          .executeTakeFirst();
        if (Number(res.numDeletedRows) !== 1) return false;
        if (Number(key.status) === STATUS_ACTIVE) await this.decrementActive(trx);
        return true;
      }),
    );
  }

  async getByKind(kind: KeyKind, keyId: string): Promise<KeyRecord | undefined> {
    const k = await this.getById(keyId);
    return k && k.kind === kind ? k : undefined;
  }

  getByRequestId(kind: KeyKind, requestId: string): Promise<KeyRecord | undefined> {
    return this.run(async () => {
      const row = await this.db
        .selectFrom('api_keys')
        .select(KEY_COLUMNS)
        .where('project_id', '=', this.projectId)
        .where('kind', '=', kind)
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return row ? rowToKey(row) : undefined;
    });
  }

  list(q: ListQuery): Promise<KeyRecord[]> {
    return this.run(async () => {
      let query = this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('project_id', '=', this.projectId).where('kind', '=', q.kind);
      if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
      if (q.status === 'revoked') query = query.where('status', '=', STATUS_REVOKED);
      if (q.status === 'active')
        query = query.where('status', '=', STATUS_ACTIVE).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', q.now)]));
      if (q.status === 'expired') query = query.where('status', '=', STATUS_ACTIVE).where('expires_at', '<=', q.now);
      if (q.afterKeyId !== undefined) query = query.where('key_id', '<', q.afterKeyId);
      const rows = await query.orderBy('key_id', 'desc').limit(q.limit).execute();
      return rows.map(rowToKey);
    });
  }

  insert(record: KeyRecord, maxActive?: number | null): Promise<void> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // The counter row is the arbiter of the quota: the conditional increment takes its row lock
        // (PostgreSQL / InnoDB re-evaluate the WHERE after waiting; SQLite has one writer), so N
        // concurrent inserts against k free slots admit exactly k — across nodes, too.
        let bump = trx
          .updateTable('project_usage')
          .set((eb) => ({ active_keys: eb('active_keys', '+', 1) }))
          .where('project_id', '=', this.projectId);
        if (maxActive != null) bump = bump.where('active_keys', '<', maxActive);
        const res = await bump.executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const row = await trx.selectFrom('project_usage').select('active_keys').where('project_id', '=', this.projectId).executeTakeFirst();
          if (row) throw new QuotaExceeded(maxActive ?? 0, Number(row.active_keys));
          const count = await this.countActive(trx);
          if (maxActive != null && count >= maxActive) throw new QuotaExceeded(maxActive, count);
          await this.repairCounter(trx, count + 1);
        }
        await trx.insertInto('api_keys').values(keyToRow(this.projectId, record)).execute();
      }),
    );
  }

  /**
   * Creates a missing counter row (should not happen: made with the project, backfilled by migration
   * 0002) from a count of the keys. Made this late, it cannot know whether any of those keys is stored
   * under a legacy digest, so it says one may be.
   */
  private async repairCounter(db: SqlDialect['db'], activeKeys: number): Promise<void> {
    await db.insertInto('project_usage').values({ project_id: this.projectId, active_keys: activeKeys, legacy_digests: 1 }).execute();
  }

  private async countActive(db: SqlDialect['db']): Promise<number> {
    const row = await db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('project_id', '=', this.projectId)
      .where('status', '=', STATUS_ACTIVE)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private decrementActive(db: SqlDialect['db']) {
    return db
      .updateTable('project_usage')
      .set((eb) => ({ active_keys: eb('active_keys', '-', 1) }))
      .where('project_id', '=', this.projectId)
      .where('active_keys', '>', 0)
      .execute();
  }

  update(kind: KeyKind, keyId: string, patch: KeyPatch, now: number): Promise<KeyRecord | undefined> {
    return this.run(async () => {
      const set: Record<string, unknown> = { updated_at: now };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.scopes !== undefined) set.scopes = JSON.stringify(patch.scopes);
      if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata);
      if (patch.allowedCidrs !== undefined) set.allowed_cidrs = patch.allowedCidrs.length ? JSON.stringify(patch.allowedCidrs) : null;
      if (patch.rateLimit !== undefined) {
        set.rate_limit_quota = patch.rateLimit?.quota ?? null;
        set.rate_limit_window_ms = patch.rateLimit?.windowMs ?? null;
        set.rate_limit_unit = patch.rateLimit?.unit ?? null;
      }
      const res = await this.db
        .updateTable('api_keys')
        .set(set)
        .where('project_id', '=', this.projectId)
        .where('kind', '=', kind)
        .where('key_id', '=', keyId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return undefined;
      return this.getByKind(kind, keyId);
    });
  }

  private revokeStatement(db: SqlDialect['db'], kind: KeyKind, keyId: string, r: Revocation) {
    return db
      .updateTable('api_keys')
      .set({
        status: STATUS_REVOKED,
        revocation_reason: reasonToNumber(r.reason),
        revocation_description: r.description,
        updated_at: r.at,
      })
      .where('project_id', '=', this.projectId)
      .where('kind', '=', kind)
      .where('key_id', '=', keyId)
      .where('status', '=', STATUS_ACTIVE);
  }

  revoke(kind: KeyKind, keyId: string, r: Revocation): Promise<boolean> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        const res = await this.revokeStatement(trx, kind, keyId, r).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await this.decrementActive(trx);
        return true;
      }),
    );
  }

  rotate(oldKeyId: string, r: Revocation, replacement: KeyRecord): Promise<boolean> {
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // The conditional update is the arbiter: of two concurrent rotations only one sees status=active.
        const res = await this.revokeStatement(trx, 'issued', oldKeyId, r).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        // One revoked, one inserted: the active-key counter is unchanged, so rotation never hits the quota.
        await trx.insertInto('api_keys').values(keyToRow(this.projectId, replacement)).execute();
        return true;
      }),
    );
  }
}

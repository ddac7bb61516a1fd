import type { CompiledQuery } from 'kysely';
import type { KeyStore } from '../ports.js';
import type { KeyKind, KeyPatch, KeyRecord, ListQuery, Revocation } from '../records.js';
import { QuotaExceeded } from '../store-errors.js';
import { type SqlDialect, translated } from './dialects/dialect.js';
import { KEY_COLUMNS, type KeyRow, keyToRow, reasonToNumber, rowToKey, STATUS_ACTIVE, STATUS_REVOKED } from './key-rows.js';

/**
 * Hot-path lookup compiled once per dialect; only the parameters change per call, and the dialect
 * runs it through a cached prepared statement.
 */
export interface HotQueries {
  /** Single-row insert; parameters in the order of `keyToRow`'s keys. */
  insertOne: CompiledQuery;
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
    insertOne: dialect.db.insertInto('api_keys').values(template).compile(),
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

  insertMany(records: KeyRecord[], maxActive: number | null): Promise<number> {
    if (!records.length) return Promise.resolve(0);
    return this.run(() =>
      this.db.transaction().execute(async (trx) => {
        // Lock the counter row (SQLite: the transaction's write lock serialises writers instead), then
        // take as many slots as the quota leaves.
        let q = trx.selectFrom('project_usage').select('active_keys').where('project_id', '=', this.projectId);
        if (this.dialect.capabilities.lockForUpdate) q = q.forUpdate();
        const row = await q.executeTakeFirst();
        const current = row ? Number(row.active_keys) : await this.countActive(trx);
        const allowed = maxActive == null ? records.length : Math.max(0, Math.min(records.length, maxActive - current));
        if (allowed === 0) return 0;
        if (row)
          await trx
            .updateTable('project_usage')
            .set({ active_keys: current + allowed })
            .where('project_id', '=', this.projectId)
            .execute();
        else
          await trx
            .insertInto('project_usage')
            .values({ project_id: this.projectId, active_keys: current + allowed })
            .execute();
        const rows = records.slice(0, allowed).map((r) => keyToRow(this.projectId, r));
        if (this.dialect.capabilities.inProcess) {
          // One cached prepared statement per row, on the transaction's (only) connection.
          for (const row of rows) await this.dialect.fastQuery({ ...this.hot.insertOne, parameters: Object.values(row) });
        } else {
          // 22 columns per row: 200 rows per statement stays under PostgreSQL's and MySQL's parameter limits.
          for (let i = 0; i < rows.length; i += 200)
            await trx
              .insertInto('api_keys')
              .values(rows.slice(i, i + 200))
              .execute();
        }
        return allowed;
      }),
    );
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
          // A project without a counter row (should not happen: created with the project, backfilled by
          // the migration) is repaired from the keys themselves.
          const count = await this.countActive(trx);
          if (maxActive != null && count >= maxActive) throw new QuotaExceeded(maxActive, count);
          await trx
            .insertInto('project_usage')
            .values({ project_id: this.projectId, active_keys: count + 1 })
            .execute();
        }
        await trx.insertInto('api_keys').values(keyToRow(this.projectId, record)).execute();
      }),
    );
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

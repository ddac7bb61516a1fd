import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { InsertOutcome } from '../../src/store/ports.js';
import type { KeyPatch, KeyRecord, Revocation } from '../../src/store/records.js';
import {
  assertOtherProjectSeesNoKeys,
  BACKENDS,
  createProject,
  descending,
  failIfUnreachable,
  HOUR,
  importedKeyRecord,
  isUnique,
  keyRecord,
  probeBackends,
  T0,
  twoProjects,
  useMigratedStore,
} from './contract-harness.js';

/** KeyStore contract: the same cases on SQLite, PostgreSQL and MariaDB. */
const gates = await probeBackends();

const HOSTILE = [
  `'; DROP TABLE api_keys; --`,
  `Robert'); DROP TABLE projects;--`,
  `"double" 'single' \`back\``,
  'back\\slash \\\\ \\n \\0 \\x27',
  '%_ LIKE wildcards [] ^$ .*',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the point of this value
  '$1 ? :name @var ${x}',
  'line\nbreak\ttab\rreturn',
  '😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ñ ü 日本語 ‮rtl',
];

const revocation = (at = T0 + HOUR, reason: Revocation['reason'] = 'SUPERSEDED'): Revocation => ({ reason, description: 'rotated', at });

for (const backend of BACKENDS) {
  describe(backend, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;
    const store = useMigratedStore(backend);

    describe('insert and read', () => {
      it('round-trips every field exactly', async () => {
        const [p, other] = await twoProjects(store());
        const full = keyRecord({
          name: 'Ключ 🔑 — 日本語 “quoted” ñ',
          actorId: 'user:ünïcödé@example.com',
          scopes: ['keys:read', 'keys:write', 'ü/😀'],
          metadata: {
            team: 'platform',
            nested: {
              deep: { deeper: [1, 2.5, -3, null, { x: 'y' }] },
              empty: {},
              list: [],
            },
            nothing: null,
            int: 42,
            negative: -7,
            float: 1234.5678,
            tiny: 1e-7,
            maxSafe: Number.MAX_SAFE_INTEGER,
            bool: true,
            falsy: false,
            emoji: '🎉',
          },
          status: 'active',
          visibility: 'public',
          tokenPrefix: 'ks_pub',
          createdAt: T0,
          updatedAt: T0 + 1,
          expiresAt: T0 + 30 * 24 * HOUR,
          lastUsedAt: T0 + 5,
          rateLimit: { quota: 1000, windowMs: 60_000, unit: 'requests' },
          allowedCidrs: ['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32', '::ffff:10.1.2.3/128'],
          requestId: randomUUID(),
        });
        const sparse = keyRecord({ visibility: 'secret', tokenPrefix: null });
        const revoked = keyRecord({
          status: 'revoked',
          revocationReason: 'PRIVILEGE_WITHDRAWN',
          revocationDescription: 'left the company',
          rateLimit: { quota: 5, windowMs: 1000, unit: 'tokens' },
          expiresAt: T0 - HOUR,
        });
        const imported = importedKeyRecord({
          name: 'imported',
          metadata: { source: 'legacy' },
        });
        const keys = store().keys(p);
        for (const k of [full, sparse, revoked, imported]) await keys.insert(k);

        for (const k of [full, sparse, revoked, imported]) {
          assert.deepStrictEqual(await keys.getById(k.keyId), k);
          assert.deepStrictEqual(await keys.getByKind(k.kind, k.keyId), k);
          assert.equal(await keys.getByKind(k.kind === 'issued' ? 'imported' : 'issued', k.keyId), undefined);
        }
        const got = await keys.getById(full.keyId);
        assert.equal(typeof got?.createdAt, 'number');
        assert.equal(typeof got?.rateLimit?.quota, 'number');
        assert.equal(await keys.getById(randomUUID()), undefined);

        await assertOtherProjectSeesNoKeys(store(), other, [full, sparse, revoked, imported]);
      });

      it('getByLookupHash finds the imported key by its hash', async () => {
        const [p, other] = await twoProjects(store());
        const k = importedKeyRecord();
        await store().keys(p).insert(k);
        assert.deepStrictEqual(
          await store()
            .keys(p)
            .getByLookupHash(k.lookupHash as string),
          k,
        );
        assert.equal(await store().keys(p).getByLookupHash('0'.repeat(64)), undefined);
        await assertOtherProjectSeesNoKeys(store(), other, [k]);
      });

      it('getByRequestId finds the key by kind and request id', async () => {
        const [p, other] = await twoProjects(store());
        const k = keyRecord({ requestId: randomUUID() });
        await store().keys(p).insert(k);
        assert.deepStrictEqual(
          await store()
            .keys(p)
            .getByRequestId('issued', k.requestId as string),
          k,
        );
        assert.equal(
          await store()
            .keys(p)
            .getByRequestId('imported', k.requestId as string),
          undefined,
        );
        assert.equal(await store().keys(p).getByRequestId('issued', randomUUID()), undefined);
        await assertOtherProjectSeesNoKeys(store(), other, [k]);
      });
    });

    describe('uniqueness', () => {
      it('a duplicate key id is UniqueViolation(primary) and leaves the original intact', async () => {
        const [p, other] = await twoProjects(store());
        const k = keyRecord({ name: 'original' });
        await store().keys(p).insert(k);
        await assert.rejects(
          store()
            .keys(p)
            .insert(keyRecord({ keyId: k.keyId, name: 'dupe' })),
          isUnique('primary'),
        );
        await assert.rejects(
          store()
            .keys(p)
            .insert(importedKeyRecord({ keyId: k.keyId })),
          isUnique('primary'),
        );
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), k);
        await assertOtherProjectSeesNoKeys(store(), other, [k]);
        // Key ids are scoped to the project: the same id elsewhere neither collides nor reveals the first.
        const third = await createProject(store());
        const elsewhere = keyRecord({ keyId: k.keyId, name: 'elsewhere' });
        await store().keys(third).insert(elsewhere);
        assert.deepStrictEqual(await store().keys(third).getById(k.keyId), elsewhere);
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), k);
      });

      it('a duplicate (kind, request_id) is UniqueViolation(request_id); other kinds and projects are fine', async () => {
        const [p, other] = await twoProjects(store());
        const requestId = randomUUID();
        const k = keyRecord({ requestId });
        await store().keys(p).insert(k);
        await assert.rejects(store().keys(p).insert(keyRecord({ requestId })), isUnique('request_id'));
        // The same request id for the other kind does not collide.
        const imported = importedKeyRecord({ requestId });
        await store().keys(p).insert(imported);
        // Keys without a request id never collide with each other.
        await store().keys(p).insert(keyRecord());
        await store().keys(p).insert(keyRecord());
        assert.deepStrictEqual(await store().keys(p).getByRequestId('issued', requestId), k);
        assert.deepStrictEqual(await store().keys(p).getByRequestId('imported', requestId), imported);
        await assertOtherProjectSeesNoKeys(store(), other, [k, imported]);
        // ...and the same request id in another project is fine.
        const there = keyRecord({ requestId });
        await store().keys(other).insert(there);
        assert.deepStrictEqual(await store().keys(other).getByRequestId('issued', requestId), there);
        assert.deepStrictEqual(await store().keys(p).getByRequestId('issued', requestId), k);
      });

      it('a duplicate lookup hash is UniqueViolation(lookup_hash); another project is fine', async () => {
        const [p, other] = await twoProjects(store());
        const k = importedKeyRecord();
        await store().keys(p).insert(k);
        await assert.rejects(
          store()
            .keys(p)
            .insert(importedKeyRecord({ lookupHash: k.lookupHash })),
          isUnique('lookup_hash'),
        );
        await assertOtherProjectSeesNoKeys(store(), other, [k]);
        const there = importedKeyRecord({ lookupHash: k.lookupHash });
        await store().keys(other).insert(there);
        assert.deepStrictEqual(
          await store()
            .keys(other)
            .getByLookupHash(k.lookupHash as string),
          there,
        );
        assert.deepStrictEqual(
          await store()
            .keys(p)
            .getByLookupHash(k.lookupHash as string),
          k,
        );
      });

      it('names the right constraint even when the duplicate values look like constraint names', async () => {
        const [p, other] = await twoProjects(store());
        // Driver messages quote the duplicate value; the constraint must come from the key name, not the value.
        const k = keyRecord({
          keyId: `k-request_uq-lookup_uq-slug-hash_uq-${randomUUID().slice(0, 8)}`,
          requestId: 'PRIMARY-slug-lookup_uq-hash_uq',
        });
        await store().keys(p).insert(k);
        await assert.rejects(
          store()
            .keys(p)
            .insert(keyRecord({ keyId: k.keyId })),
          isUnique('primary'),
        );
        await assert.rejects(
          store()
            .keys(p)
            .insert(keyRecord({ requestId: k.requestId })),
          isUnique('request_id'),
        );
        const i = importedKeyRecord({
          lookupHash: 'PRIMARY-request_uq-slug-hash_uq',
        });
        await store().keys(p).insert(i);
        await assert.rejects(
          store()
            .keys(p)
            .insert(importedKeyRecord({ lookupHash: i.lookupHash })),
          isUnique('lookup_hash'),
        );
        await assertOtherProjectSeesNoKeys(store(), other, [k, i]);
      });
    });

    describe('insertMany', () => {
      it('inserts new records, skips every kind of collision as a conflict, and counts only what went in', async () => {
        const [p, other] = await twoProjects(store());
        const keys = store().keys(p);
        const stored = importedKeyRecord({ requestId: randomUUID() });
        await keys.insert(stored);
        const before = await store().projects.activeKeyCount(p);
        const fresh = [importedKeyRecord(), importedKeyRecord({ requestId: randomUUID() })];
        const batch = [
          fresh[0],
          importedKeyRecord({ lookupHash: stored.lookupHash }), // same hash
          importedKeyRecord({ requestId: stored.requestId }), // same request id
          importedKeyRecord({ keyId: stored.keyId }), // same key id
          fresh[1],
        ];
        assert.deepEqual(await keys.insertMany(batch, null), ['inserted', 'conflict', 'conflict', 'conflict', 'inserted']);
        for (const k of fresh) assert.deepStrictEqual(await keys.getById(k.keyId), k);
        assert.deepStrictEqual(await keys.getById(stored.keyId), stored, 'the stored key is untouched');
        assert.equal(await store().projects.activeKeyCount(p), before + 2);
        // The same records in another project collide with nothing there.
        assert.deepEqual(
          await store()
            .keys(other)
            .insertMany(
              batch.slice(1, 3).map((k) => ({ ...k })),
              null,
            ),
          ['inserted', 'inserted'],
        );
        await assertOtherProjectSeesNoKeys(store(), await createProject(store()), [stored, ...fresh]);
      });

      it('fills exactly the free quota slots in order; conflicts take no slot; the rest is over-quota', async () => {
        const [p] = await twoProjects(store());
        const keys = store().keys(p);
        const stored = importedKeyRecord();
        await keys.insert(stored);
        const base = await store().projects.activeKeyCount(p);
        const batch = [
          importedKeyRecord(),
          importedKeyRecord({ lookupHash: stored.lookupHash }),
          importedKeyRecord(),
          importedKeyRecord(),
          importedKeyRecord(),
        ];
        // Two free slots: the conflict in between does not use one.
        assert.deepEqual(await keys.insertMany(batch, base + 2), ['inserted', 'conflict', 'inserted', 'over-quota', 'over-quota']);
        assert.equal(await store().projects.activeKeyCount(p), base + 2);
        assert.equal(await keys.getById(batch[3].keyId), undefined, 'over-quota records are not inserted');
        // No slot left: nothing is attempted, nothing changes.
        assert.deepEqual(await keys.insertMany([importedKeyRecord(), importedKeyRecord({ lookupHash: stored.lookupHash })], base + 2), [
          'over-quota',
          'over-quota',
        ]);
        assert.equal(await store().projects.activeKeyCount(p), base + 2);
        assert.deepEqual(await keys.insertMany([], base + 2), []);
      });

      it('concurrent batches with overlapping records: each hash stored once, the counter exact, no error', async () => {
        const [p] = await twoProjects(store());
        const keys = store().keys(p);
        const base = await store().projects.activeKeyCount(p);
        const shared = Array.from({ length: 60 }, () => randomUUID().replaceAll('-', '').repeat(2));
        // Six batches, each with the shared hashes (in a different order) and 40 records of its own.
        const batches = Array.from({ length: 6 }, (_, b) => {
          const rotated = [...shared.slice(b * 10), ...shared.slice(0, b * 10)];
          const own = Array.from({ length: 40 }, () => importedKeyRecord());
          return [
            ...rotated.slice(0, 30).map((h) => importedKeyRecord({ lookupHash: h })),
            ...own,
            ...rotated.slice(30).map((h) => importedKeyRecord({ lookupHash: h })),
          ];
        });
        const outcomes = await Promise.all(batches.map((b) => keys.insertMany(b, null)));
        const inserted = batches.flatMap((b, i) => b.filter((_, j) => outcomes[i][j] === 'inserted'));
        assert.equal(inserted.length, 60 + 6 * 40, 'each shared hash once, every own record');
        assert.equal(outcomes.flat().filter((o) => o === 'conflict').length, 5 * 60);
        for (const h of shared) assert.ok(await keys.getByLookupHash(h), 'stored');
        for (const k of inserted) assert.equal((await keys.getById(k.keyId))?.lookupHash, k.lookupHash);
        assert.equal(await store().projects.activeKeyCount(p), base + 60 + 6 * 40);
      });

      it('more records than one statement holds: 450 records with conflicts spread through them', async () => {
        const [p] = await twoProjects(store());
        const keys = store().keys(p);
        const existing = Array.from({ length: 30 }, () => importedKeyRecord());
        await keys.insertMany(existing, null);
        const base = await store().projects.activeKeyCount(p);
        const batch = Array.from({ length: 450 }, (_, i) =>
          i % 15 === 7 ? importedKeyRecord({ lookupHash: existing[i % 30].lookupHash }) : importedKeyRecord(),
        );
        const outcomes = await keys.insertMany(batch, base + 400);
        const expected = batch.map((_, i): InsertOutcome => (i % 15 === 7 ? 'conflict' : 'inserted'));
        // 420 new records, 400 slots: the last 20 new ones (and any conflict among them) are over quota.
        let n = 0;
        for (const [i, e] of expected.entries()) if (e === 'inserted' && ++n > 400) expected[i] = 'over-quota';
        const lastInserted = expected.lastIndexOf('inserted');
        for (let i = lastInserted + 1; i < expected.length; i++) expected[i] = 'over-quota';
        assert.deepEqual(outcomes, expected);
        assert.equal(await store().projects.activeKeyCount(p), base + 400);
      });
    });

    describe('list', () => {
      it('orders by key_id descending and pages with afterKeyId + limit', async () => {
        const [p, other] = await twoProjects(store());
        const keys = Array.from({ length: 7 }, () => keyRecord());
        for (const k of keys) await store().keys(p).insert(k);
        const expected = descending(keys.map((k) => k.keyId));

        const all = await store().keys(p).list({ kind: 'issued', limit: 100, now: T0 });
        assert.deepEqual(
          all.map((k) => k.keyId),
          expected,
        );
        assert.deepStrictEqual(
          all[0],
          keys.find((k) => k.keyId === expected[0]),
        );

        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store().keys(p).list({ kind: 'issued', limit: 3, now: T0, afterKeyId: after });
          if (!page.length) break;
          assert.ok(page.length <= 3);
          pages.push(page.map((k) => k.keyId));
          after = page[page.length - 1].keyId;
        }
        assert.deepEqual(
          pages.map((pg) => pg.length),
          [3, 3, 1],
        );
        assert.deepEqual(pages.flat(), expected);
        assert.deepEqual(
          await store().keys(p).list({
            kind: 'issued',
            limit: 1,
            now: T0,
            afterKeyId: expected[6],
          }),
          [],
        );
        await assertOtherProjectSeesNoKeys(store(), other, keys);
        assert.deepEqual(
          await store().keys(other).list({
            kind: 'issued',
            limit: 3,
            now: T0,
            afterKeyId: expected[0],
          }),
          [],
        );
      });

      it('filters by actor and by status active / revoked / expired at a fixed now', async () => {
        const [p, other] = await twoProjects(store());
        const now = T0 + 10 * HOUR;
        const k = {
          aliceActive: keyRecord({ actorId: 'alice' }),
          aliceFuture: keyRecord({ actorId: 'alice', expiresAt: now + 1 }),
          aliceExpired: keyRecord({ actorId: 'alice', expiresAt: now - 1 }),
          aliceExpiresNow: keyRecord({ actorId: 'alice', expiresAt: now }),
          bobRevoked: keyRecord({
            actorId: 'bob',
            status: 'revoked',
            revocationReason: 'KEY_COMPROMISE',
          }),
          bobRevokedAndExpired: keyRecord({
            actorId: 'bob',
            status: 'revoked',
            revocationReason: 'SUPERSEDED',
            expiresAt: now - HOUR,
          }),
          nobody: keyRecord({ actorId: null }),
        };
        for (const key of Object.values(k)) await store().keys(p).insert(key);
        const ids = async (q: { actorId?: string; status?: 'active' | 'revoked' | 'expired' }) =>
          (
            await store()
              .keys(p)
              .list({ kind: 'issued', limit: 100, now, ...q })
          )
            .map((r) => r.keyId)
            .sort();
        const idsOf = (...ks: KeyRecord[]) => ks.map((r) => r.keyId).sort();

        assert.deepEqual(await ids({}), idsOf(...Object.values(k)));
        assert.deepEqual(await ids({ actorId: 'alice' }), idsOf(k.aliceActive, k.aliceFuture, k.aliceExpired, k.aliceExpiresNow));
        assert.deepEqual(await ids({ actorId: 'bob' }), idsOf(k.bobRevoked, k.bobRevokedAndExpired));
        assert.deepEqual(await ids({ actorId: 'carol' }), []);
        assert.deepEqual(await ids({ status: 'active' }), idsOf(k.aliceActive, k.aliceFuture, k.nobody));
        assert.deepEqual(await ids({ status: 'revoked' }), idsOf(k.bobRevoked, k.bobRevokedAndExpired));
        assert.deepEqual(await ids({ status: 'expired' }), idsOf(k.aliceExpired, k.aliceExpiresNow));
        assert.deepEqual(await ids({ actorId: 'alice', status: 'active' }), idsOf(k.aliceActive, k.aliceFuture));
        assert.deepEqual(await ids({ actorId: 'bob', status: 'active' }), []);
        // Status depends on `now`, not on the clock: one hour later the "future" key has expired too.
        const later = await store()
          .keys(p)
          .list({
            kind: 'issued',
            limit: 100,
            now: now + HOUR,
            status: 'expired',
          });
        assert.deepEqual(later.map((r) => r.keyId).sort(), idsOf(k.aliceFuture, k.aliceExpired, k.aliceExpiresNow));

        await assertOtherProjectSeesNoKeys(store(), other, Object.values(k));
        for (const status of ['active', 'revoked', 'expired'] as const) {
          assert.deepEqual(
            await store().keys(other).list({
              kind: 'issued',
              limit: 100,
              now,
              status,
              actorId: 'alice',
            }),
            [],
          );
        }
      });

      it('keeps issued and imported keys apart', async () => {
        const [p, other] = await twoProjects(store());
        const issued = [keyRecord(), keyRecord()];
        const imported = [importedKeyRecord(), importedKeyRecord(), importedKeyRecord()];
        for (const key of [...issued, ...imported]) await store().keys(p).insert(key);
        const list = async (kind: 'issued' | 'imported') => (await store().keys(p).list({ kind, limit: 100, now: T0 })).map((r) => r.keyId);
        assert.deepEqual(await list('issued'), descending(issued.map((r) => r.keyId)));
        assert.deepEqual(await list('imported'), descending(imported.map((r) => r.keyId)));
        await assertOtherProjectSeesNoKeys(store(), other, [...issued, ...imported]);
      });
    });

    describe('update', () => {
      it('applies each patch field alone, including clearing the rate limit and the CIDRs', async () => {
        const [p, other] = await twoProjects(store());
        const original = keyRecord({
          name: 'before',
          scopes: ['a'],
          metadata: { v: 1 },
          rateLimit: { quota: 10, windowMs: 1000, unit: 'requests' },
          allowedCidrs: ['10.0.0.0/8'],
        });
        await store().keys(p).insert(original);
        let expected: KeyRecord = original;
        const steps: [KeyPatch, Partial<KeyRecord>][] = [
          [{ name: 'after — ü' }, { name: 'after — ü' }],
          [{ scopes: ['b', 'c'] }, { scopes: ['b', 'c'] }],
          [{ scopes: [] }, { scopes: [] }],
          [{ metadata: { nested: { list: [1, null, 'x'] }, n: null } }, { metadata: { nested: { list: [1, null, 'x'] }, n: null } }],
          [{ rateLimit: { quota: 99, windowMs: 3_600_000, unit: 'tokens' } }, { rateLimit: { quota: 99, windowMs: 3_600_000, unit: 'tokens' } }],
          [{ rateLimit: null }, { rateLimit: null }],
          [{ allowedCidrs: ['192.0.2.0/24', '2001:db8::/48'] }, { allowedCidrs: ['192.0.2.0/24', '2001:db8::/48'] }],
          [{ allowedCidrs: [] }, { allowedCidrs: [] }],
          [{}, {}],
        ];
        let now = T0 + 1000;
        for (const [patch, change] of steps) {
          now += 1000;
          expected = { ...expected, ...change, updatedAt: now };
          const updated = await store().keys(p).update('issued', original.keyId, patch, now);
          assert.deepStrictEqual(updated, expected, JSON.stringify(patch));
          assert.deepStrictEqual(await store().keys(p).getById(original.keyId), expected);
        }
        await assertOtherProjectSeesNoKeys(store(), other, [original]);
        assert.equal(
          await store()
            .keys(other)
            .update('issued', original.keyId, { name: 'hijack' }, now + 1),
          undefined,
        );
        assert.deepStrictEqual(await store().keys(p).getById(original.keyId), expected);
      });

      it('returns undefined for an unknown key or the wrong kind, and changes nothing', async () => {
        const [p, other] = await twoProjects(store());
        const k = keyRecord({ name: 'keep' });
        await store().keys(p).insert(k);
        assert.equal(
          await store()
            .keys(p)
            .update('issued', randomUUID(), { name: 'x' }, T0 + 1),
          undefined,
        );
        assert.equal(
          await store()
            .keys(p)
            .update('imported', k.keyId, { name: 'x' }, T0 + 1),
          undefined,
        );
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), k);
        assert.equal(
          await store()
            .keys(other)
            .update('issued', k.keyId, { name: 'x' }, T0 + 1),
          undefined,
        );
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), k);
        await assertOtherProjectSeesNoKeys(store(), other, [k]);
      });
    });

    describe('revoke', () => {
      it('revokes an active key once, then reports false', async () => {
        const [p, other] = await twoProjects(store());
        const k = keyRecord();
        await store().keys(p).insert(k);
        const r: Revocation = {
          reason: 'KEY_COMPROMISE',
          description: 'leaked in a commit',
          at: T0 + HOUR,
        };
        // Another project cannot revoke it, and the wrong kind does not match.
        assert.equal(await store().keys(other).revoke('issued', k.keyId, r), false);
        assert.equal(await store().keys(p).revoke('imported', k.keyId, r), false);
        assert.equal((await store().keys(p).getById(k.keyId))?.status, 'active');

        assert.equal(await store().keys(p).revoke('issued', k.keyId, r), true);
        const revoked = {
          ...k,
          status: 'revoked' as const,
          revocationReason: r.reason,
          revocationDescription: r.description,
          updatedAt: r.at,
        };
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), revoked);
        assert.equal(
          await store()
            .keys(p)
            .revoke('issued', k.keyId, {
              ...r,
              reason: 'SUPERSEDED',
              at: r.at + 1,
            }),
          false,
        );
        assert.deepStrictEqual(await store().keys(p).getById(k.keyId), revoked);
        assert.equal(await store().keys(p).revoke('issued', randomUUID(), r), false);

        const i = importedKeyRecord();
        await store().keys(p).insert(i);
        assert.equal(
          await store().keys(p).revoke('imported', i.keyId, {
            reason: 'AFFILIATION_CHANGED',
            description: null,
            at: T0,
          }),
          true,
        );
        assert.equal((await store().keys(p).getById(i.keyId))?.revocationDescription, null);
        assert.equal((await store().keys(p).getById(i.keyId))?.revocationReason, 'AFFILIATION_CHANGED');

        await assertOtherProjectSeesNoKeys(store(), other, [k, i]);
      });
    });

    describe('rotate', () => {
      it('revokes the old key and inserts the replacement', async () => {
        const [p, other] = await twoProjects(store());
        const old = keyRecord({ name: 'v1', actorId: 'svc' });
        await store().keys(p).insert(old);
        const replacement = keyRecord({
          name: 'v2',
          actorId: 'svc',
          createdAt: T0 + HOUR,
          updatedAt: T0 + HOUR,
        });
        const r = revocation();

        // Another project cannot rotate it: false, nothing inserted anywhere.
        assert.equal(await store().keys(other).rotate(old.keyId, r, replacement), false);
        assert.equal(await store().keys(other).getById(replacement.keyId), undefined);
        assert.equal(await store().keys(p).getById(replacement.keyId), undefined);

        assert.equal(await store().keys(p).rotate(old.keyId, r, replacement), true);
        assert.deepStrictEqual(await store().keys(p).getById(replacement.keyId), replacement);
        assert.deepStrictEqual(await store().keys(p).getById(old.keyId), {
          ...old,
          status: 'revoked',
          revocationReason: 'SUPERSEDED',
          revocationDescription: 'rotated',
          updatedAt: r.at,
        });
        await assertOtherProjectSeesNoKeys(store(), other, [old, replacement]);
      });

      it('refuses a revoked, unknown or imported key and does not insert the replacement', async () => {
        const [p, other] = await twoProjects(store());
        const revoked = keyRecord({
          status: 'revoked',
          revocationReason: 'KEY_COMPROMISE',
        });
        const imported = importedKeyRecord();
        await store().keys(p).insert(revoked);
        await store().keys(p).insert(imported);
        for (const oldId of [revoked.keyId, randomUUID(), imported.keyId]) {
          const replacement = keyRecord();
          assert.equal(await store().keys(p).rotate(oldId, revocation(), replacement), false);
          assert.equal(await store().keys(p).getById(replacement.keyId), undefined);
        }
        assert.deepStrictEqual(await store().keys(p).getById(revoked.keyId), revoked);
        assert.deepStrictEqual(await store().keys(p).getById(imported.keyId), imported);
        assert.equal((await store().keys(p).list({ kind: 'issued', limit: 100, now: T0 })).length, 1);
        await assertOtherProjectSeesNoKeys(store(), other, [revoked, imported]);
      });

      it('is atomic: a failing replacement insert leaves the old key active', async () => {
        const [p, other] = await twoProjects(store());
        const old = keyRecord();
        const existing = keyRecord();
        await store().keys(p).insert(old);
        await store().keys(p).insert(existing);
        // The replacement collides with an existing key id: the revoke must roll back with the insert.
        await assert.rejects(
          store()
            .keys(p)
            .rotate(old.keyId, revocation(), keyRecord({ keyId: existing.keyId })),
          isUnique('primary'),
        );
        assert.deepStrictEqual(await store().keys(p).getById(old.keyId), old);
        assert.deepStrictEqual(await store().keys(p).getById(existing.keyId), existing);
        // ...and the key can still be rotated afterwards.
        const replacement = keyRecord();
        assert.equal(await store().keys(p).rotate(old.keyId, revocation(), replacement), true);
        await assertOtherProjectSeesNoKeys(store(), other, [old, existing, replacement]);
      });

      it('of 10 concurrent rotations of one key exactly one wins and one replacement exists', async () => {
        const [p, other] = await twoProjects(store());
        const old = keyRecord();
        await store().keys(p).insert(old);
        const replacements = Array.from({ length: 10 }, (_, i) => keyRecord({ name: `replacement ${i}` }));
        const results = await Promise.all(
          replacements.map((rep, i) =>
            store()
              .keys(p)
              .rotate(old.keyId, revocation(T0 + HOUR + i), rep),
          ),
        );
        assert.equal(results.filter((x) => x === true).length, 1, `results: ${results.join(',')}`);
        const winner = replacements[results.indexOf(true)];

        const rows = await store().keys(p).list({ kind: 'issued', limit: 100, now: T0 });
        assert.deepEqual(rows.map((r) => r.keyId).sort(), [old.keyId, winner.keyId].sort());
        assert.deepStrictEqual(await store().keys(p).getById(winner.keyId), winner);
        assert.equal((await store().keys(p).getById(old.keyId))?.status, 'revoked');
        assert.equal((await store().keys(p).list({ kind: 'issued', limit: 100, now: T0, status: 'active' })).length, 1);
        await assertOtherProjectSeesNoKeys(store(), other, [old, ...replacements]);
      });
    });

    describe('hostile values', () => {
      it('round-trip quotes, backslashes and SQL fragments unchanged', async () => {
        const [p, other] = await twoProjects(store());
        const keys = HOSTILE.map((text, i) =>
          keyRecord({
            keyId: `${i}-${text}`.slice(0, 64),
            name: text,
            actorId: text,
            scopes: [text, `${text}:write`],
            metadata: { [text]: text, list: [text, { nested: text }] },
            revocationDescription: text,
            status: 'revoked',
            revocationReason: 'KEY_COMPROMISE',
          }),
        );
        const hostileImported = importedKeyRecord({
          lookupHash: HOSTILE[0],
          requestId: HOSTILE[0].slice(0, 36),
        });
        for (const k of [...keys, hostileImported]) await store().keys(p).insert(k);
        for (const k of keys) {
          assert.deepStrictEqual(await store().keys(p).getById(k.keyId), k);
          const byActor = await store()
            .keys(p)
            .list({
              kind: 'issued',
              actorId: k.actorId as string,
              limit: 10,
              now: T0,
            });
          assert.deepEqual(
            byActor.map((r) => r.keyId),
            [k.keyId],
          );
        }
        assert.deepStrictEqual(await store().keys(p).getByLookupHash(HOSTILE[0]), hostileImported);
        assert.deepStrictEqual(await store().keys(p).getByRequestId('imported', HOSTILE[0].slice(0, 36)), hostileImported);
        // The wildcard-looking actor does not match anything else.
        assert.deepEqual(await store().keys(p).list({ kind: 'issued', actorId: '%', limit: 10, now: T0 }), []);
        const hostileUpdate = await store()
          .keys(p)
          .update('issued', keys[0].keyId, { name: HOSTILE[3], metadata: { q: HOSTILE[1] } }, T0 + 1);
        assert.equal(hostileUpdate?.name, HOSTILE[3]);
        assert.deepEqual(hostileUpdate?.metadata, { q: HOSTILE[1] });
        // The tables are still there.
        assert.equal((await store().keys(p).list({ kind: 'issued', limit: 100, now: T0 })).length, keys.length);
        assert.ok(await store().projects.getById(p));
        await assertOtherProjectSeesNoKeys(store(), other, [...keys, hostileImported]);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type BusMessage, chunkHeads, decodeBusMessage, encodeBusMessage } from '../../src/cache/bus-message.js';

const P = randomUUID();
const K = randomUUID();

/** The invalidation-bus wire form: both kinds round-trip, payloads stay under PostgreSQL's NOTIFY limit, old nodes stay correct. */
describe('bus messages', () => {
  it('round-trips a key change and an import, with the publish time', () => {
    const key: BusMessage = { kind: 'key', projectId: P, keyId: K, sentAt: 1_764_230_400_123 };
    assert.deepEqual(encodeBusMessage(key).map(decodeBusMessage), [key]);
    const hashes: BusMessage = { kind: 'hashes', projectId: P, hashes: [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')], sentAt: 5 };
    assert.deepEqual(encodeBusMessage(hashes).map(decodeBusMessage), [hashes]);
  });

  it('splits a 1000-key batch import into messages under 8000 bytes, losing no hash', () => {
    const all = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'));
    const payloads = encodeBusMessage({ kind: 'hashes', projectId: P, hashes: all, sentAt: 1 });
    assert.equal(payloads.length, 10);
    for (const p of payloads) assert.ok(Buffer.byteLength(p) < 8000, `${Buffer.byteLength(p)} bytes`);
    assert.deepEqual(
      payloads.flatMap((p) => (decodeBusMessage(p) as { hashes: string[] }).hashes),
      all,
    );
  });

  it('reads the format of earlier versions; earlier versions read ours safely', () => {
    assert.deepEqual(decodeBusMessage(`${P}|${K}`), { kind: 'key', projectId: P, keyId: K, sentAt: Number.NaN });
    // What an old node does with our payloads: split('|'), take [project, key_id], skip an empty key id.
    const [op, ok] = encodeBusMessage({ kind: 'key', projectId: P, keyId: K, sentAt: 9 })[0].split('|');
    assert.deepEqual([op, ok], [P, K]);
    const [, hk] = encodeBusMessage({ kind: 'hashes', projectId: P, hashes: ['ab'], sentAt: 9 })[0].split('|');
    assert.equal(hk, '');
  });

  it('round-trips a heartbeat, which nodes of earlier versions ignore', () => {
    for (const receipts of [true, false]) {
      const ping = { kind: 'ping' as const, nodeId: 'node-1', sentAt: 42, receipts };
      const [payload] = encodeBusMessage(ping);
      assert.deepEqual(decodeBusMessage(payload), ping);
      assert.equal(payload.split('|')[0], '', 'an earlier version reads no project id and skips it');
    }
    // The heartbeat of an earlier version: no receipts from that node.
    assert.deepEqual(decodeBusMessage('|ping|node-1|42'), { kind: 'ping', nodeId: 'node-1', sentAt: 42, receipts: false });
    assert.equal(decodeBusMessage('|ping|node-1|x'), null);
    assert.equal(decodeBusMessage('|ping||42'), null);
    assert.equal(decodeBusMessage('|ping|node-1|42|x'), null);
    assert.equal(decodeBusMessage('|ping|node-1|42|r|x'), null);
  });

  it('round-trips an import receipt, one head per wire chunk; earlier versions ignore it', () => {
    const all = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'));
    const heads = chunkHeads(all);
    assert.deepEqual(
      heads,
      encodeBusMessage({ kind: 'hashes', projectId: P, hashes: all, sentAt: 1 }).map((p) => (decodeBusMessage(p) as { hashes: string[] }).hashes[0]),
      'the first hash of each message the import travels in',
    );
    const applied: BusMessage = { kind: 'applied', nodeId: 'node-2', projectId: P, heads, sentAt: 9 };
    const payloads = encodeBusMessage(applied);
    assert.equal(payloads.length, 1);
    assert.deepEqual(decodeBusMessage(payloads[0]), applied);
    assert.equal(payloads[0].split('|')[0], '', 'an earlier version reads no project id and skips it');
    for (const bad of ['|applied|n|p|1|', '|applied||p|1|ab', '|applied|n||1|ab', '|applied|n|p|x|ab', '|applied|n|p|1|ab|x'])
      assert.equal(decodeBusMessage(bad), null, bad);
  });

  it('ignores anything malformed', () => {
    for (const bad of ['', '|', `|${K}|1`, `${P}||1|`, `${P}||x|ab`, `${P}|${K}|1|ab`, `${P}||1|ab|extra`, '\u0000'.repeat(10), 'x'.repeat(65_536)])
      assert.equal(decodeBusMessage(bad), null, JSON.stringify(bad.slice(0, 40)));
  });
});

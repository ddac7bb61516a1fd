import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { BusMessage } from '../../src/cache/bus-message.js';
import { ImportReceipts, ReceiptSender } from '../../src/cache/import-receipts.js';
import { publishWithRetry } from '../../src/cache/publish-retry.js';

const silent = pino({ level: 'silent' });
const hashes = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${String(i).padStart(4, '0')}`);
/** An import's hashes as they arrive: one message per wire chunk of 100 (bus-message.ts). */
const chunks = (all: string[]) => Array.from({ length: Math.ceil(all.length / 100) }, (_, i) => all.slice(i * 100, i * 100 + 100));

/** The guards around publishing an import or a key change (ADR 0009). */
describe('ImportReceipts', () => {
  it('with no other node: resolves once every chunk of the import came back; false on timeout', async () => {
    const receipts = new ImportReceipts();
    const [first, second] = chunks(hashes(150, 'e'));
    let settled = false;
    const back = receipts.wait('p', [...first, ...second], [], 1000).then((ok) => {
      settled = true;
      return ok;
    });
    receipts.seen('other-project', first);
    receipts.seen('other-project', second);
    receipts.seen('p', first);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'the second chunk has not come back');
    receipts.seen('p', second);
    assert.equal(await back, true);
    assert.equal(await receipts.wait('p', ['never'], [], 20), false);
    assert.equal(await receipts.wait('p', [], ['n2'], 20), true, 'nothing to wait for');
  });

  it('waits for the receipt of every chunk from every node it was told of, not for other nodes', async () => {
    const receipts = new ImportReceipts();
    const all = hashes(250, 'h'); // three wire chunks: heads h0000, h0100, h0200
    let settled = false;
    const back = receipts.wait('p', all, ['n2', 'n3'], 2000).then((ok) => {
      settled = true;
      return ok;
    });
    for (const chunk of chunks(all)) receipts.seen('p', chunk);
    receipts.applied('n2', 'p', ['h0000', 'h0100', 'h0200']);
    receipts.applied('n4', 'p', ['h0000', 'h0100', 'h0200']); // a node that was not waited for
    receipts.applied('n3', 'other', ['h0000', 'h0100', 'h0200']); // another project's chunks
    receipts.applied('n3', 'p', ['h0000', 'h0100']);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'n3 has not applied the third chunk');
    receipts.applied('n3', 'p', ['h0200']);
    assert.equal(await back, true);
  });

  it('receipts without the echo are not enough; a node that never answers costs the timeout', async () => {
    const receipts = new ImportReceipts();
    const back = receipts.wait('p', ['a'], ['n2'], 50);
    receipts.applied('n2', 'p', ['a']);
    assert.equal(await back, false, 'our own echo never came');
    const silentPeer = receipts.wait('p', ['b'], ['n2'], 50);
    receipts.seen('p', ['b']);
    assert.equal(await silentPeer, false);
  });
});

describe('ReceiptSender', () => {
  it('the chunks applied in one turn go out as one receipt per project, with their heads', async () => {
    const sent: BusMessage[] = [];
    const sender = new ReceiptSender(
      'n1',
      async (m) => void sent.push(m),
      () => 7,
    );
    sender.applied('p', ['a1', 'a2']);
    sender.applied('p', ['b1']);
    sender.applied('q', ['c1']);
    sender.applied('q', []);
    assert.deepEqual(sent, [], 'nothing before the end of the turn');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [
      { kind: 'applied', nodeId: 'n1', projectId: 'p', heads: ['a1', 'b1'], sentAt: 7 },
      { kind: 'applied', nodeId: 'n1', projectId: 'q', heads: ['c1'], sentAt: 7 },
    ]);
    sender.applied('p', ['d1']);
    await new Promise((r) => setImmediate(r));
    assert.equal(sent.length, 3, 'the next turn sends again');
  });
});

describe('publishWithRetry', () => {
  it('a failed send is retried in the background until it goes through', async () => {
    let calls = 0;
    const ok = await publishWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('down');
      },
      silent,
      () => false,
    );
    assert.equal(ok, false, 'the first attempt failed');
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(calls, 3, 'retried every 500 ms, then stopped');
  });

  it('stops retrying once the bus is closed', async () => {
    let calls = 0;
    let closed = false;
    await publishWithRetry(
      async () => {
        calls++;
        throw new Error('down');
      },
      silent,
      () => closed,
    );
    closed = true;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(calls, 1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { BusMessage } from '../../src/cache/bus-message.js';
import { HeartbeatBus } from '../../src/cache/heartbeat-bus.js';
import type { InvalidationBus } from '../../src/cache/invalidation-bus.js';

/** A channel in memory: what is published is delivered to the handlers (the network buses are tested in test/api). */
class MemoryChannel implements InvalidationBus {
  readonly healthy = true;
  readonly entryTtlCapMs = null;
  readonly echoes = true;
  readonly sent: BusMessage[] = [];
  private readonly handlers: ((m: BusMessage) => void)[] = [];
  /** false: a silent partition — what is published is not delivered (nor our own heartbeats). */
  delivers = true;
  async publish(m: BusMessage): Promise<void> {
    this.sent.push(m);
    if (this.delivers) this.deliver(m);
  }
  deliver(m: BusMessage): void {
    for (const h of this.handlers) h(m);
  }
  onMessage(h: (m: BusMessage) => void): void {
    this.handlers.push(h);
  }
  onReset(): void {}
  async close(): Promise<void> {}
}

/** Which nodes an import waits for (ImportReceipts, ADR 0009): the live ones that send receipts. */
describe('HeartbeatBus.receiptPeers', () => {
  it('lists other nodes whose heartbeat says they send receipts, and drops them 3 s after their last one; a deaf node says it sends none', async () => {
    const channel = new MemoryChannel();
    const bus = new HeartbeatBus(channel, 'self', pino({ level: 'silent' }));
    const deafChannel = new MemoryChannel();
    deafChannel.delivers = false;
    const deaf = new HeartbeatBus(deafChannel, 'deaf', pino({ level: 'silent' }));
    const seen: BusMessage[] = [];
    bus.onMessage((m) => seen.push(m));
    try {
      const now = Date.now();
      channel.deliver({ kind: 'ping', nodeId: 'self', sentAt: now, receipts: true });
      channel.deliver({ kind: 'ping', nodeId: 'new-node', sentAt: now, receipts: true });
      channel.deliver({ kind: 'ping', nodeId: 'old-version', sentAt: now, receipts: false });
      assert.deepEqual(bus.receiptPeers(), ['new-node']);
      assert.equal(seen.length, 0, 'heartbeats never reach the handlers');
      channel.deliver({ kind: 'applied', nodeId: 'new-node', projectId: 'p', heads: ['a'], sentAt: now });
      assert.equal(seen[0]?.kind, 'applied', 'receipts do');
      await new Promise((r) => setTimeout(r, 3600));
      assert.deepEqual(bus.receiptPeers(), [], 'silent for 3 s: no longer waited for');
      const deafPings = deafChannel.sent.flatMap((m) => (m.kind === 'ping' ? [m.receipts] : []));
      assert.deepEqual([deafPings[0], deafPings.at(-1)], [true, false], 'a node that stopped hearing the bus stops promising receipts');
      const own = channel.sent.find((m) => m.kind === 'ping');
      assert.deepEqual(own && { nodeId: own.nodeId, receipts: own.receipts }, { nodeId: 'self', receipts: true }, 'its own heartbeat says it sends receipts');
    } finally {
      await bus.close();
      await deaf.close();
    }
  });
});

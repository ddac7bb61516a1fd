import { type BusMessage, chunkHeads } from './bus-message.js';

interface Waiter {
  /** Per node waited for (SELF: this node's echo): `<project>|<head>` of the chunks not yet applied there. */
  pending: Map<string, Set<string>>;
  done: () => void;
}

/** This node, in a waiter: its own copy of each chunk coming back is its receipt. */
const SELF = '';

/**
 * Lets an import answer only once every live node knows its keys (ADR 0009). The importing node
 * publishes the import's `hashes`; every node — itself included — adds them to its negative cache and
 * publishes an `applied` receipt naming the chunks it applied (`ReceiptSender`). The importer waits for
 * its own echo and for the receipt of every node that sends receipts and was alive when it published
 * (`HeartbeatBus.receiptPeers`), so a verify on another node after the import's response cannot be
 * answered NOT_FOUND from a filter that has not heard of the key yet. A chunk is named by its first
 * hash (`chunkHeads`), for the echo as for receipts. Bounded by a timeout — a slow or dying node costs
 * the importer latency (at most the timeout), never an error.
 *
 * (Waiting for the echo alone, as before, left the other nodes' own scheduling as a window: two nodes
 * on one PostgreSQL under CI load showed a verify on the other node beating its notification about
 * once in 40 runs of 20 trials.)
 */
export class ImportReceipts {
  private readonly waiters = new Set<Waiter>();

  /** Resolves true when the echo and every receipt came, false on timeout. */
  wait(projectId: string, hashes: readonly string[], peers: readonly string[], timeoutMs: number): Promise<boolean> {
    if (!hashes.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const heads = chunkHeads(hashes).map((h) => `${projectId}|${h}`);
      const waiter: Waiter = {
        pending: new Map([SELF, ...peers].map((nodeId) => [nodeId, new Set(heads)])),
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Called for every `hashes` message received (one wire chunk; our own echo among them). */
  seen(projectId: string, hashes: readonly string[]): void {
    if (hashes.length) this.applied(SELF, projectId, [hashes[0]]);
  }

  /** Called for every `applied` receipt received. */
  applied(nodeId: string, projectId: string, heads: readonly string[]): void {
    for (const w of this.waiters) {
      const pending = w.pending.get(nodeId);
      if (!pending) continue;
      for (const h of heads) pending.delete(`${projectId}|${h}`);
      if (!pending.size) w.pending.delete(nodeId);
      if (!w.pending.size) w.done();
    }
  }
}

/**
 * Sends this node's receipts: the chunks applied during one turn of the event loop go out together,
 * one `applied` message per project (a batch import of 1,000 keys arrives as 10 chunks).
 */
export class ReceiptSender {
  private readonly pending = new Map<string, string[]>();
  private scheduled = false;

  constructor(
    private readonly nodeId: string,
    private readonly publish: (message: BusMessage) => Promise<void>,
    private readonly now: () => number,
  ) {}

  /** `hashes`: one received chunk, already applied. */
  applied(projectId: string, hashes: readonly string[]): void {
    if (!hashes.length) return;
    const heads = this.pending.get(projectId);
    if (heads) heads.push(hashes[0]);
    else this.pending.set(projectId, [hashes[0]]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const sentAt = this.now();
    for (const [projectId, heads] of this.pending) void this.publish({ kind: 'applied', nodeId: this.nodeId, projectId, heads, sentAt });
    this.pending.clear();
  }
}

import type { BusMessage } from './bus-message.js';

/**
 * Carries "this key changed" (and "these hashes were imported") between nodes so every node's verify cache forgets it within the
 * revocation bound (SPEC §5: 1 s). `healthy` false means messages may be lost right now: callers must
 * not serve from the cache then (and the cache was cleared when it became unhealthy).
 */
export interface InvalidationBus {
  readonly healthy: boolean;
  /**
   * Longest life of a cache entry this channel can keep within the revocation bound. null = changes
   * are pushed to every node (the negative cache relies on that too); a number = nothing is pushed.
   */
  readonly entryTtlCapMs: number | null;
  /** True when this node receives its own messages back (a network bus): imports wait for the echo. */
  readonly echoes?: boolean;
  /** This node's id on the bus (a network bus: heartbeat-bus.ts); sent in its import receipts. */
  readonly nodeId?: string;
  /** The other live nodes that send import receipts (a network bus); an import waits for theirs. */
  receiptPeers?(): string[];
  /** Never throws: a failed publish is logged (the change itself has committed). */
  publish(message: BusMessage): Promise<void>;
  /** Handler for messages from other nodes (and our own: harmless, every message is idempotent). */
  onMessage(handler: (message: BusMessage) => void): void;
  /** Called when the bus became unhealthy and again when it is back (the caches must be cleared). */
  onReset(handler: () => void): void;
  close(): Promise<void>;
}

/** One node (the embedded SQLite default): local invalidation is all there is. */
export class LocalBus implements InvalidationBus {
  readonly healthy = true;
  readonly entryTtlCapMs = null;
  async publish(): Promise<void> {}
  onMessage(): void {}
  onReset(): void {}
  async close(): Promise<void> {}
}

/**
 * Carries "this key changed" between nodes so every node's verify cache forgets it within the
 * revocation bound (SPEC §5: 1 s). `healthy` false means messages may be lost right now: callers must
 * not serve from the cache then (and the cache was cleared when it became unhealthy).
 */
export interface InvalidationBus {
  readonly healthy: boolean;
  /** Longest life of a cache entry this channel can keep within the revocation bound (null = no cap). */
  readonly entryTtlCapMs: number | null;
  publish(projectId: string, keyId: string): Promise<void>;
  /** Handler for messages from other nodes (and our own: harmless, invalidation is idempotent). */
  onMessage(handler: (projectId: string, keyId: string) => void): void;
  /** Called when the bus became unhealthy (the cache must be cleared) . */
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

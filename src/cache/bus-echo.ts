interface Waiter {
  remaining: Set<string>;
  done: () => void;
}

/**
 * Lets an import wait until its own `hashes` message has come back through the bus to this node
 * (ADR 0009). PostgreSQL NOTIFY and Redis pub/sub hand a message to every subscriber at the same
 * moment, so once our own copy is here the other nodes' copies are (to within their scheduling) too:
 * the importer's response then follows the other nodes' filter updates instead of racing them.
 * Bounded by a timeout — a lost echo costs latency, never an error.
 */
export class BusEcho {
  private readonly waiters = new Set<Waiter>();

  /** Resolves true when every hash came back, false on timeout. */
  wait(projectId: string, hashes: readonly string[], timeoutMs: number): Promise<boolean> {
    if (!hashes.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        remaining: new Set(hashes.map((h) => `${projectId}|${h}`)),
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

  /** Called for every `hashes` message received. */
  seen(projectId: string, hashes: readonly string[]): void {
    if (!this.waiters.size) return;
    for (const w of this.waiters) {
      for (const h of hashes) w.remaining.delete(`${projectId}|${h}`);
      if (!w.remaining.size) w.done();
    }
  }
}

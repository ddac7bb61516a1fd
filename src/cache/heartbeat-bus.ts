import type { Logger } from 'pino';
import type { BusMessage } from './bus-message.js';
import type { InvalidationBus } from './invalidation-bus.js';

/** A heartbeat every half second; a channel silent for 3 s is treated as down. */
const INTERVAL_MS = 500;
const STALE_MS = 3000;

/**
 * The safety net under a network bus (PostgreSQL NOTIFY, Redis pub/sub): a connection that drops
 * cleanly is noticed by the bus itself, but a silent one — a half-open TCP connection after a network
 * partition, a subscriber the server forgot — would keep the bus "healthy" while revocations stop
 * arriving. Every node therefore publishes a heartbeat and listens for its own: when none has come back
 * for STALE_MS the bus counts as unhealthy (caches are not read, and are cleared), and when heartbeats
 * return the caches are cleared once more, since anything in between may have been missed.
 *
 * So the revocation bound is 1 s while the channel delivers or fails visibly, and at most ≈ 3.5 s
 * (STALE_MS + one interval) during a silent partition. Time here is the process's monotonic clock, not
 * the injected Clock: this measures the network, not the domain. Heartbeats never reach the handlers.
 */
export class HeartbeatBus implements InvalidationBus {
  private readonly handlers: ((m: BusMessage) => void)[] = [];
  private readonly resets: (() => void)[] = [];
  /** Start-up counts as a heartbeat: the caches are empty then anyway. */
  private lastEcho = performance.now();
  private delivering = true;
  private readonly timer: NodeJS.Timeout;
  /** Other nodes that send import receipts, by the time their last heartbeat came (monotonic ms). */
  private readonly peers = new Map<string, number>();

  constructor(
    private readonly inner: InvalidationBus,
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {
    inner.onMessage((m) => {
      if (m.kind !== 'ping') for (const h of this.handlers) h(m);
      else if (m.nodeId === this.nodeId) this.echo();
      else if (m.receipts) this.peers.set(m.nodeId, performance.now());
    });
    inner.onReset(() => {
      for (const r of this.resets) r();
    });
    this.timer = setInterval(() => this.beat(), INTERVAL_MS);
    this.timer.unref();
  }

  get healthy(): boolean {
    return this.inner.healthy && performance.now() - this.lastEcho <= STALE_MS;
  }

  get entryTtlCapMs(): number | null {
    return this.inner.entryTtlCapMs;
  }

  get echoes(): boolean | undefined {
    return this.inner.echoes;
  }

  /**
   * Our own heartbeat came back. After a silence (noticed by a tick or not yet), messages may have been
   * lost: the caches are cleared here, synchronously, before anything can read them as healthy again.
   */
  private echo(): void {
    const now = performance.now();
    const afterSilence = !this.delivering || now - this.lastEcho > STALE_MS;
    this.lastEcho = now;
    if (!afterSilence) return;
    this.delivering = true;
    for (const r of this.resets) r();
    this.logger.info('cache invalidation bus delivers again; caches cleared');
  }

  /**
   * The nodes an import waits for (import-receipts.ts): those that send receipts and whose heartbeat
   * came within STALE_MS. A node that stopped is dropped from the list 3 s after its last heartbeat.
   */
  receiptPeers(): string[] {
    const cutoff = performance.now() - STALE_MS;
    const live: string[] = [];
    for (const [nodeId, seenAt] of this.peers)
      if (seenAt >= cutoff) live.push(nodeId);
      else this.peers.delete(nodeId);
    return live;
  }

  private beat(): void {
    if (this.delivering && performance.now() - this.lastEcho > STALE_MS) {
      this.delivering = false;
      for (const r of this.resets) r();
      this.logger.warn(`cache invalidation bus: no heartbeat back for ${STALE_MS / 1000} s; verify caches bypassed until it returns`);
    }
    // Receipts are promised only while this node hears the bus: a node that does not is reading no
    // negative cache (it answers from the store), so importers need not wait for it.
    void this.inner.publish({ kind: 'ping', nodeId: this.nodeId, sentAt: Date.now(), receipts: this.healthy });
  }

  publish(message: BusMessage): Promise<void> {
    return this.inner.publish(message);
  }

  onMessage(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  onReset(handler: () => void): void {
    this.resets.push(handler);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inner.close();
  }
}

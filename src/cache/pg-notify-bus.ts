import pg from 'pg';
import type { Logger } from 'pino';
import { type BusMessage, decodeBusMessage, encodeBusMessage } from './bus-message.js';
import type { InvalidationBus } from './invalidation-bus.js';
import { publishWithRetry } from './publish-retry.js';

const CHANNEL = 'keysmith_key_changes';
const RECONNECT_MS = 500;

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated connection listens; publishing is `pg_notify` on any
 * connection. NOTIFY is delivered to every listener after the sending transaction commits, typically
 * within milliseconds. Safety net: if the listening connection drops, the bus reports unhealthy, the
 * cache is cleared and bypassed, and it reconnects every 500 ms — a lost message can never leave a
 * revoked key cached.
 */
export class PgNotifyBus implements InvalidationBus {
  private client: pg.Client | null = null;
  private handlers: ((m: BusMessage) => void)[] = [];
  private resets: (() => void)[] = [];
  private closed = false;
  private ok = false;
  /** The connection was lost since the last successful LISTEN: clear again once back (see connect). */
  private lostSince = false;
  private timer: NodeJS.Timeout | undefined;
  readonly entryTtlCapMs = null; // pushed: entries may live their full TTL
  readonly echoes = true;

  constructor(
    private readonly connectionString: string,
    private readonly publisher: (channel: string, payload: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  get healthy(): boolean {
    return this.ok;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 2000 });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      const m = decodeBusMessage(msg.payload ?? '');
      if (m) for (const h of this.handlers) h(m);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      this.ok = true;
      // A request that read the store before the loss may have filled the cache after the clear.
      if (this.lostSince) for (const r of this.resets) r();
      this.lostSince = false;
    } catch {
      client.end().catch(() => {});
      this.schedule();
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.lostSince = true;
    if (this.ok) this.logger.warn('cache invalidation bus (PostgreSQL LISTEN) lost; cache bypassed until it reconnects');
    this.ok = false;
    for (const r of this.resets) r();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.timer.unref();
  }

  async publish(message: BusMessage): Promise<void> {
    // The change itself committed: a failed send is retried in the background (publish-retry.ts).
    for (const payload of encodeBusMessage(message))
      await publishWithRetry(
        () => this.publisher(CHANNEL, payload),
        this.logger,
        () => this.closed,
      );
  }

  onMessage(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  onReset(handler: () => void): void {
    this.resets.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.ok = false;
    await c?.end().catch(() => {});
  }
}

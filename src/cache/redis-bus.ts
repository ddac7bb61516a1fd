import type { Logger } from 'pino';
import { type BusMessage, decodeBusMessage, encodeBusMessage } from './bus-message.js';
import type { InvalidationBus } from './invalidation-bus.js';
import { publishWithRetry } from './publish-retry.js';

const RECONNECT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;

type RedisClient = ReturnType<typeof import('redis').createClient>;

/**
 * Redis pub/sub on `<redis.key_prefix>invalidate`: one subscriber connection per node, one publisher.
 * Used whenever `redis.url` is set, whatever the database — so MySQL/MariaDB deployments get push
 * invalidation (and full cache TTLs, and the negative cache) too. Pub/sub is fire-and-forget: a
 * message published while a subscriber is disconnected is lost to it. Hence the same safety net as
 * the PostgreSQL bus: while the subscriber is down the bus is unhealthy (the caches are cleared and
 * not read), node-redis reconnects every 500 ms and re-subscribes, and once it is back the caches are
 * cleared again (a lookup that read the store before the loss may have filled them since).
 */
export class RedisBus implements InvalidationBus {
  readonly entryTtlCapMs = null; // pushed: entries may live their full TTL
  readonly echoes = true;
  private handlers: ((m: BusMessage) => void)[] = [];
  private resets: (() => void)[] = [];
  private ok = false;
  private subscribed = false;
  private closed = false;
  private readonly channel: string;

  private constructor(
    private readonly sub: RedisClient,
    private readonly pub: RedisClient,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = `${prefix}invalidate`;
    // An 'error' listener is mandatory (an unhandled one would crash the process); the URL may carry a
    // password, so only the error's name is logged.
    sub.on('error', (e: Error) => this.logger.debug({ err: { name: e.name } }, 'Redis invalidation subscriber error'));
    // A dropped connection always emits 'reconnecting' (after 'error'); 'error' alone may be transient.
    sub.on('reconnecting', () => this.lost());
    sub.on('end', () => this.lost());
    sub.on('ready', () => this.back());
    pub.on('error', (e: Error) => this.logger.debug({ err: { name: e.name } }, 'Redis invalidation publisher error'));
  }

  /** Connects (waiting at most 2 s: a Redis that is down must not keep the node from starting). */
  static async start(url: string, prefix: string, logger: Logger): Promise<RedisBus> {
    const { createClient } = await import('redis'); // loaded only when Redis is configured
    const socket = { reconnectStrategy: RECONNECT_MS, connectTimeout: CONNECT_TIMEOUT_MS };
    // disableOfflineQueue: a publish while disconnected fails at once instead of holding a request.
    // Named, so an operator can tell the subscriber apart in CLIENT LIST (names allow no spaces).
    const name = `${prefix}invalidate-sub`.replace(/[^\w:.-]/g, '_');
    const bus = new RedisBus(createClient({ url, socket, name }), createClient({ url, socket, disableOfflineQueue: true }), prefix, logger);
    const up = bus.connect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([up, new Promise((r) => (timer = setTimeout(r, CONNECT_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
    if (!bus.ok) logger.warn('cache invalidation bus (Redis) not connected yet; cache bypassed until it is');
    return bus;
  }

  private async connect(): Promise<void> {
    try {
      await Promise.all([this.sub.connect(), this.pub.connect()]);
      await this.sub.subscribe(this.channel, (payload) => this.deliver(payload));
      this.subscribed = true;
      this.ok = this.sub.isReady;
    } catch (e) {
      if (!this.closed) this.logger.warn({ err: { name: (e as Error).name } }, 'cache invalidation bus (Redis) failed to start');
    }
  }

  get healthy(): boolean {
    return this.ok;
  }

  private deliver(payload: string): void {
    const m = decodeBusMessage(payload);
    if (m) for (const h of this.handlers) h(m);
  }

  private lost(): void {
    if (this.closed || !this.ok) return;
    this.logger.warn('cache invalidation bus (Redis) lost; cache bypassed until it reconnects');
    this.ok = false;
    for (const r of this.resets) r();
  }

  /** 'ready' after a reconnect comes once node-redis has re-subscribed. */
  private back(): void {
    if (this.closed || !this.subscribed || this.ok) return;
    this.ok = true;
    for (const r of this.resets) r();
    this.logger.info('cache invalidation bus (Redis) reconnected; caches cleared');
  }

  async publish(message: BusMessage): Promise<void> {
    // The change itself committed: a failed send is retried in the background (publish-retry.ts).
    for (const payload of encodeBusMessage(message))
      await publishWithRetry(
        async () => {
          await this.pub.publish(this.channel, payload);
        },
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
    this.ok = false;
    for (const c of [this.sub, this.pub]) {
      if (c.isOpen) c.destroy();
    }
  }
}
